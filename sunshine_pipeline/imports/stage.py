"""A planned file → sunshine.import_stage (one text column per header, plus its record
number): COPY, with a numpy scan of the same chunks, or, for a file COPY refuses or may have
misread, a strict reading record by record.

COPY streams the file (bounded memory whatever the size), while _QuoteScan checks that
PostgreSQL reads it as RFC 4180 does: PostgreSQL toggles quoting on any quote, so a bare
quote in an unquoted field (`5" screen`) silently merges records and an unbalanced one
swallows thousands. Every quote must open a field after a field edge or close one before an
edge, a quoted field may span at most QUOTED_MAX_LINES lines / QUOTED_MAX_BYTES, and the lines
must add up (physical lines = records + header + line breaks inside quoted fields). A file
that fails the scan, or that COPY refuses (wrong field count, invalid UTF-8, a NUL byte), is
rolled back to a savepoint and streamed again record by record, read strictly: each record
COPY cannot take, and each line that starts no well-formed record, is staged as a structural
problem (reason with its physical line, raw text) and reading goes on at the next line, so
one bad record or quote never blocks or swallows the good ones. A quoted field that closes
into a well-formed record only past those bounds (an overlong memo, or a quote left open:
they cannot be told apart) rejects the batch with file and line. Every physical line is in
exactly one record: records read = landed + unchanged + quarantined.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re

import numpy as np
from psycopg import errors, sql

from sunshine_pipeline.imports.fileimport import (
    FIELDS,
    PROBLEM,
    PROBLEM_COLUMN,
    PROBLEM_VALUE,
    RN,
    STAGE,
    FileImport,
    jsonb_object,
)
from sunshine_pipeline.imports.plan import BatchRejected

log = logging.getLogger(__name__)

# How much of a file COPY is sent at once (and the quote scan reads).
COPY_CHUNK = 1 << 20
CSV_FIELD_LIMIT = 1 << 20

# --- the structural fallback: a file COPY refused or may misread, read strictly ---------------

class _CountingReader(io.RawIOBase):
    """A binary file that counts the bytes read (for progress while csv decodes it)."""

    def __init__(self, raw: io.BufferedReader):
        self.raw, self.done = raw, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = self.raw.readinto(buffer)
        self.done += n or 0
        return n


class _Lines:
    """The lines of a text file, read one by one; lines read ahead can be handed back."""

    def __init__(self, text: io.TextIOWrapper):
        self.text = text
        self.pushed: list[str] = []

    def readline(self) -> str:
        return self.pushed.pop() if self.pushed else self.text.readline()

    def push(self, lines: list[str]) -> None:
        self.pushed.extend(reversed(lines))


def _shown(text: str) -> str:
    """A value as PostgreSQL can store it: undecodable bytes and NUL as \\xNN escapes."""
    return (text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
            .replace("\x00", "\\x00"))


_UNDECODED = re.compile("[\udc80-\udcff]")  # bytes that were not UTF-8 (surrogateescape)


def _structural_problem(fields: list[str], headers: list[str], text: str, line: int
                        ) -> tuple[str, str | None, str | None] | None:
    """(reason, column, raw value) when COPY cannot take this record (its raw `text`, from
    physical `line` on), else None."""
    if len(fields) != len(headers):
        return (f"expected {len(headers)} fields, found {len(fields)} at line {line}", None,
                _shown(text))
    if "\x00" not in text and (text.isascii() or not _UNDECODED.search(text)):
        return None
    for header, value in zip(headers, fields, strict=True):
        if not value.isascii() and (bad := _UNDECODED.search(value)):
            return (f"invalid UTF-8 (byte 0x{ord(bad[0]) - 0xDC00:02x}) at line {line}", header,
                    _shown(value))
        if "\x00" in value:
            return f"NUL byte in the value at line {line}", header, _shown(value)
    return None


# The strict reading of the fallback (RFC 4180): a field is quoted (a doubled quote inside
# stands for one) or holds no quote at all.
_QUOTED = r'"[^"]*(?:""[^"]*)*"'
_FIELD = rf'(?:{_QUOTED}|[^",\r\n]*)'
_INSIDE = r'[^"]*(?:""[^"]*)*'  # text inside an open quoted field
_WHOLE = re.compile(rf"{_FIELD}(?:,{_FIELD})*")  # a record on one line
# A line that ends inside a quoted field (group 1: its opening quote); one that closes it
# (group 1: the text before the closing quote) and ends the record, or opens another
# (group 2: its opening quote).
_OPENED = re.compile(rf'(?:{_FIELD},)*(")' + _INSIDE)
_CLOSED = re.compile(rf'({_INSIDE})"(?:,{_FIELD})*')
_REOPENED = re.compile(rf'({_INSIDE})"(?:,{_FIELD})*,(")' + _INSIDE)
_STILL_INSIDE = re.compile(_INSIDE)  # a line wholly inside the open field


def _body(line: str) -> str:
    return line.removesuffix("\n").removesuffix("\r")


def _strict_record(lines: _Lines, line: str, width: int
                   ) -> tuple[list[str] | None, str, int, str | None]:
    """(fields, raw text, lines taken, what is malformed) of the record that starts with
    `line`, read strictly. When `line` starts no well-formed record, fields is None and only
    `line` is taken (a bare or unbalanced quote must not swallow the lines after it; those
    read ahead are handed back), its text the raw value. A quoted field may span lines only
    if it closes into a record of `width` fields within QUOTED_MAX_LINES lines and
    QUOTED_MAX_BYTES bytes. One that does so only further on (within CSV_FIELD_LIMIT)
    is an overlong memo or an unbalanced quote, which cannot be told apart: _Undecided."""
    body = _body(line)
    if '"' not in body:
        return body.split(",") if body else [], body, 1, None
    if _WHOLE.fullmatch(body):
        return _csv_fields(body), body, 1, None
    if not (opened := _OPENED.fullmatch(body)):
        return None, body, 1, ("malformed quoting (a quote inside an unquoted field or text "
                               "after a closing quote)")
    # Where the open field's quote is (bytes into the record, line of the record), measured
    # as _QuoteScan measures a quoted field: from its opening quote to its closing one.
    taken, size = [line], _bytes(line)
    open_at, open_line, overlong = _bytes(body[:opened.start(1)]), 0, False
    while size - open_at <= CSV_FIELD_LIMIT:
        more = lines.readline()
        if not more:
            break
        taken.append(more)
        rest, at = _body(more), size
        size += _bytes(more)
        closed = _CLOSED.fullmatch(rest)
        match = closed or _REOPENED.fullmatch(rest)
        if match:
            close_at = at + _bytes(rest[:match.end(1)])
            overlong |= (close_at - open_at > QUOTED_MAX_BYTES
                         or len(taken) - 1 - open_line > QUOTED_MAX_LINES)
        if closed:
            text = _body("".join(taken))
            try:
                fields = _csv_fields(text)
            except csv.Error:  # a field longer than CSV_FIELD_LIMIT
                break
            if len(fields) != width:
                break
            if overlong:
                raise _Undecided(len(taken), size)
            return fields, text, len(taken), None
        if match:
            open_at, open_line = at + _bytes(rest[:match.start(2)]), len(taken) - 1
        elif not _STILL_INSIDE.fullmatch(rest):
            break
    lines.push(taken[1:])
    return None, body, 1, (f"unclosed quote (no record of {width} fields ends within "
                           f"{QUOTED_MAX_LINES:,} lines and {QUOTED_MAX_BYTES >> 10} KiB)")


def _bytes(text: str) -> int:
    return len(text.encode("utf-8", "surrogateescape"))


def _csv_fields(text: str) -> list[str]:
    """The fields of one well-formed record (Python's csv reads RFC 4180 as written)."""
    return next(csv.reader([text]), [])


def _lenient_fields(text: str) -> list[str]:
    """The fields of a malformed line as Python's csv guesses them (the quarantine's raw
    row); the whole line as one field when even that fails."""
    try:
        return next(csv.reader([text]), [])
    except csv.Error:
        return [text]


# --- the quote scan: is COPY's reading of the file the RFC 4180 one? ---------------------------

# A quoted field may span lines (mdb-export keeps a memo's line breaks), within these bounds
# (from its opening quote to its closing one); past them it is an unbalanced quote, or, when
# it still closes into a well-formed record, undecidable (the batch is rejected).
QUOTED_MAX_BYTES = 64 << 10
QUOTED_MAX_LINES = 1_000
_QUOTE, _NEWLINE, _COMMA, _RETURN = ord('"'), ord("\n"), ord(","), ord("\r")


def _off_edge(b: np.ndarray) -> np.ndarray:
    """Positions of the bytes `b` that no quote may follow when it opens a field, or precede
    when it closes one: all but a comma, a line break and a quote (a quote next to a quote
    is a doubled quote inside a quoted field). Four comparisons beat a table lookup here."""
    ok = (b == _COMMA) | (b == _QUOTE) | (b == _NEWLINE) | (b == _RETURN)
    return np.empty(0, dtype=np.intp) if ok.all() else np.flatnonzero(~ok)


class _QuoteScan:
    """Reads the bytes COPY is sent, chunk by chunk (numpy, no Python loop per byte), and
    tells whether PostgreSQL's CSV reader sees the records RFC 4180 sees. PostgreSQL toggles
    quoting on every quote, wherever it is: a bare quote inside an unquoted field (`5" screen`)
    opens a quoted field that swallows the commas and line breaks up to the next quote, and
    an unbalanced one swallows lines by the thousand. In a well-formed file the n-th quote
    opens a field when n is even and closes one when n is odd, an opening quote follows a
    field edge (a comma, a line break, the start, or the closing quote of a doubled pair) and
    a closing one precedes an edge: `anomaly` is the byte offset of the first quote that does
    not, of a quoted field longer than QUOTED_MAX_BYTES or QUOTED_MAX_LINES, or of a quote
    left open at the end. `lines` (physical lines) and `embedded` (line breaks inside quoted
    fields) account for the lines: a clean file has lines = records + embedded."""

    def __init__(self) -> None:
        self.offset = 0  # bytes scanned
        self.lines = 0  # newline bytes, then (finish) physical lines
        self.embedded = 0  # newline bytes inside quoted fields
        self.open_at: int | None = None  # offset of the quote of a field still open
        self.open_lines = 0  # newlines since then
        self.last = _NEWLINE  # the byte before the chunk (the start counts as a line break)
        self.close_at_end = False  # the previous chunk ended with a closing quote
        self.anomaly: int | None = None
        self.why = ""

    def _flag(self, offset: int, why: str) -> None:
        if self.anomaly is None or offset < self.anomaly:
            self.anomaly, self.why = offset, why

    def feed(self, chunk: bytes) -> None:
        a = np.frombuffer(chunk, dtype=np.uint8)
        if not len(a):
            return
        if self.close_at_end and len(_off_edge(a[:1])):
            self._flag(self.offset - 1, "text after a closing quote")
        quotes = np.flatnonzero(a == _QUOTE)
        newlines = np.flatnonzero(a == _NEWLINE)
        self.lines += len(newlines)
        was_open = self.open_at is not None
        if not len(quotes):
            self.close_at_end = False
            if was_open:
                self.embedded += len(newlines)
                self.open_lines += len(newlines)
        else:
            # A line break after k quotes of the chunk is inside a quoted field when k (plus
            # one for a field open before the chunk) is odd; k tells the fields apart.
            before = np.searchsorted(quotes, newlines)
            fields = before[((before + was_open) & 1).astype(bool)]
            self.embedded += len(fields)
            trailing = 0
            if len(fields):
                field_ids, counts = np.unique(fields, return_counts=True)
                if was_open and field_ids[0] == 0:
                    counts[0] += self.open_lines
                if counts.max() > QUOTED_MAX_LINES:
                    k = int(field_ids[counts.argmax()])
                    start = self.offset + int(quotes[k - 1]) if k else self.open_at
                    assert start is not None  # k == 0: the field open before the chunk
                    self._flag(start, "a quoted field too long")
                if field_ids[-1] == len(quotes):
                    trailing = int(counts[-1])
            opens, closes = quotes[int(was_open)::2], quotes[1 - int(was_open)::2]
            edge = a[opens - 1]
            if len(opens) and opens[0] == 0:
                edge[0] = self.last
            if len(bad := _off_edge(edge)):
                self._flag(self.offset + int(opens[bad[0]]), "a quote inside an unquoted field")
            self.close_at_end = bool(len(closes)) and closes[-1] == len(a) - 1
            inner = closes[:-1] if self.close_at_end else closes
            if len(bad := _off_edge(a[inner + 1])):
                self._flag(self.offset + int(inner[bad[0]]), "text after a closing quote")
            # Each quoted field's length in bytes (one open before the chunk starts at open_at).
            starts = opens if self.open_at is None else np.concatenate(
                (np.array([self.open_at - self.offset], dtype=np.intp), opens))
            paired = starts[:len(closes)]
            lengths = closes - paired
            if len(lengths) and lengths.max() > QUOTED_MAX_BYTES:
                bad = np.flatnonzero(lengths > QUOTED_MAX_BYTES)
                self._flag(self.offset + int(paired[bad[0]]), "a quoted field too long")
            if len(starts) > len(closes):
                self.open_at, self.open_lines = self.offset + int(starts[-1]), trailing
            else:
                self.open_at = None
        self.offset += len(a)
        self.last = int(a[-1])
        if self.open_at is not None and (self.offset - self.open_at > QUOTED_MAX_BYTES
                                         or self.open_lines > QUOTED_MAX_LINES):
            self._flag(self.open_at, "a quoted field too long")

    def finish(self) -> None:
        if self.open_at is not None:
            self._flag(self.open_at, "a quote not closed")
        if self.offset and self.last != _NEWLINE:
            self.lines += 1  # the last line has no line break


class _Misread(Exception):
    """The quote scan found what COPY may have read otherwise than RFC 4180."""


class _Undecided(Exception):
    """A quoted field closes into a well-formed record, but only past the bounds a field may
    span: (lines, bytes) of that record."""

    def __init__(self, lines: int, size: int):
        self.lines, self.size = lines, size
        super().__init__(lines, size)


# --- staging ---------------------------------------------------------------------------------


def _create_stage(f: FileImport) -> None:
    f.q(sql.SQL("DROP TABLE IF EXISTS {}").format(STAGE))
    f.q(sql.SQL(
        "CREATE UNLOGGED TABLE {stage} ({rn} bigint GENERATED BY DEFAULT AS IDENTITY "
        "(CACHE 10000), {cols}, {problem} text, {column} text, {value} text, "
        "{fields} jsonb)").format(
        stage=STAGE, rn=sql.Identifier(RN),
        cols=sql.SQL(", ").join(sql.SQL("{} text").format(sql.Identifier(h))
                                for h in f.plan.headers),
        problem=sql.Identifier(PROBLEM), column=sql.Identifier(PROBLEM_COLUMN),
        value=sql.Identifier(PROBLEM_VALUE), fields=sql.Identifier(FIELDS)))


def stage(f: FileImport) -> None:
    """The file into staging: COPY, while _QuoteScan reads the same chunks; a file COPY
    refuses, or may have misread (a quote out of place, or records and lines that do not
    add up), is staged again record by record (_stage_records)."""
    total = f.plan.path.stat().st_size
    try:
        with f.conn.transaction():
            _create_stage(f)
            _copy(f, total)
    except (errors.BadCopyFileFormat, errors.CharacterNotInRepertoire,
            errors.UntranslatableCharacter, _Misread) as exc:
        log.warning("%s: %s; streaming it record by record", f.file,
                    exc if isinstance(exc, _Misread) else
                    f"COPY refused the file ({str(exc).splitlines()[0]})")
        _create_stage(f)
        _stage_records(f, total)
        f.result.read = f.one(sql.SQL("SELECT count(*) FROM {}").format(STAGE))
    f.q(sql.SQL("ANALYZE {}").format(STAGE))


def _copy(f: FileImport, total: int) -> None:
    cols = sql.SQL(", ").join(sql.Identifier(h) for h in f.plan.headers)
    copy = sql.SQL("COPY {stage} ({cols}) FROM STDIN (FORMAT csv, HEADER true, "
                   "FORCE_NULL ({cols}))").format(stage=STAGE, cols=cols)
    scan, done = _QuoteScan(), 0
    with f.conn.cursor() as cur, cur.copy(copy) as cp, f.plan.path.open("rb") as data:
        while chunk := data.read(COPY_CHUNK):
            scan.feed(chunk)
            if scan.anomaly is not None:
                raise _Misread(f"{scan.why} at byte {scan.anomaly}")
            cp.write(chunk)
            done += len(chunk)
            if f.progress:
                f.progress(f.file, done, total)
        scan.finish()
        if scan.anomaly is not None:
            raise _Misread(f"{scan.why} at byte {scan.anomaly}")
    read: int = f.one(sql.SQL("SELECT count(*) FROM {}").format(STAGE))
    if read + 1 + scan.embedded != scan.lines:
        raise _Misread(f"COPY read {read} records and the header from {scan.lines} lines "
                       f"({scan.embedded} line breaks inside quoted fields)")
    f.result.read = read


def _stage_records(f: FileImport, total: int) -> None:
    """The fallback: the file again, record by record, read strictly (RFC 4180). A
    record COPY cannot take is staged as a structural problem (reason with its line,
    column, raw value, its fields as JSON); every other one is written again with its
    record number, in 1 MiB batches. A line with no quote is split as it is (most of
    them); a quoted field may span lines only if it closes into a record of the header's
    width within QUOTED_MAX_LINES / QUOTED_MAX_BYTES. A line that starts no well-formed
    record (a bare quote in an unquoted field, text after a closing quote, a quote that
    does not close in time) is one bad record, its raw text kept, and reading starts
    again on the next line: a bad quote never swallows the records after it. Every
    physical line is in exactly one record. One bad record costs the file a second,
    slower pass, never its good rows."""
    headers = f.plan.headers
    width = len(headers)
    internal = [PROBLEM, PROBLEM_COLUMN, PROBLEM_VALUE, FIELDS]
    copy = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT csv, FORCE_NULL ({}))").format(
        STAGE, sql.SQL(", ").join(sql.Identifier(n) for n in [RN, *headers, *internal]),
        sql.SQL(", ").join(sql.Identifier(n) for n in [*headers, *internal]))
    empty = [""] * width
    previous_limit = csv.field_size_limit(CSV_FIELD_LIMIT)
    try:
        with f.plan.path.open("rb") as raw, f.conn.cursor() as cur, \
                cur.copy(copy) as cp:
            counted = _CountingReader(raw)
            lines = _Lines(io.TextIOWrapper(io.BufferedReader(counted, COPY_CHUNK),
                                            encoding="utf-8", errors="surrogateescape",
                                            newline=""))
            out = io.StringIO()
            writer = csv.writer(out, lineterminator="\n")
            first = lines.readline()
            line_number = _strict_record(lines, first, width)[2] if first else 0
            record = 1  # the header, checked by plan_batch
            while line := lines.readline():
                record += 1
                at = line_number + 1
                try:
                    fields, text, taken, malformed = _strict_record(lines, line, width)
                except csv.Error as exc:  # a field longer than CSV_FIELD_LIMIT
                    fields, text, taken, malformed = None, _body(line), 1, f"not CSV ({exc})"
                except _Undecided as undecided:
                    raise BatchRejected(f.file, (
                        f"line {at}: a quoted field keeps its record of {width} "
                        f"fields open for {undecided.lines:,} lines "
                        f"({undecided.size:,} bytes), more than a field may span "
                        f"({QUOTED_MAX_LINES:,} lines, {QUOTED_MAX_BYTES >> 10} KiB): a "
                        "memo that long and a quote left open cannot be told apart, so "
                        "nothing of the batch landed")) from None
                line_number += taken
                problem = ((f"{malformed} at line {at}", None, _shown(text)) if fields is None
                           else _structural_problem(fields, headers, text, at))
                if problem is not None:
                    f.structural += 1
                    reason, column, value = problem
                    writer.writerow([record - 1, *empty, reason, column or "", value or "",
                                     json.dumps([_shown(v) for v in fields
                                                 or _lenient_fields(text)])])
                elif taken == 1 and '"' not in text:
                    out.write(f"{record - 1},{text},,,,\n")
                elif fields is not None:
                    writer.writerow([record - 1, *fields, "", "", "", ""])
                if out.tell() >= COPY_CHUNK:
                    cp.write(out.getvalue().encode("utf-8"))
                    out.seek(0)
                    out.truncate()
                    if f.progress:
                        f.progress(f.file, counted.done, total)
            cp.write(out.getvalue().encode("utf-8"))
            if f.progress:
                f.progress(f.file, total, total)
    finally:
        csv.field_size_limit(previous_limit)


def keep_unmapped(f: FileImport, headers: list[str]) -> None:
    """The staged values of `headers` (columns the catalog does not know, or every column of
    a file it does not know) into sunshine.unmapped_data, one JSON object per record."""
    pairs = [(h, sql.SQL("s.{}").format(sql.Identifier(h))) for h in headers]
    f.q(sql.SQL(
        "INSERT INTO sunshine.unmapped_data (batch_id, file_name, row_number, data) "
        "SELECT %s, %s, s.{rn} + 1, j.data FROM {stage} AS s "
        "CROSS JOIN LATERAL (SELECT jsonb_strip_nulls({obj}) AS data) AS j "
        "WHERE s.{problem} IS NULL AND j.data <> '{{}}'").format(
        rn=sql.Identifier(RN), obj=jsonb_object(pairs), stage=STAGE,
        problem=sql.Identifier(PROBLEM)), [f.batch_id, f.file])

