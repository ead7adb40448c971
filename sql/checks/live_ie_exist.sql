-- True when the base tables hold a live independent expenditure for the IE views to show.
SELECT EXISTS (
    SELECT FROM "Transactions"
    WHERE subject_committee_id IS NOT NULL AND NOT deleted
)
