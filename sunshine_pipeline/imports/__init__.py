"""Landing files → base tables. catalog.py declares the files; loader.py runs a batch
through plan.py, stage.py, validate.py and apply.py, recorded by ledger.py; access.py reads
the SOS's Access file, landing.py the landing folder; Dagster assets in assets.py."""
