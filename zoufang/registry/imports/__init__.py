"""Spreadsheet import: read (csv / xlsx), recognise the header, clean and check each row,
then load in batches — on PostgreSQL by COPY into a staging table, on SQLite by executemany
into one — and upsert with set-based SQL that also writes the history rows.

The pipeline, per file (a job, `jobs.import_job_run`):
  1. `reader.open_table` checks the file (size, kind, not empty), finds the header row among
     the first rows (title rows above it are skipped) and maps its columns through the
     synonyms of the kind's columns (`specs.SPECS`). Large .xlsx files are read by
     `xlsxstream`; every file is read in a child process (`readchild`), a workbook inspected
     (`xlsxcheck`) before anything it holds is written.
  2. `specs.Spec.prepare` turns each data row into a staging tuple (the cleaning and checks
     of `rows`) or a list of rejections (row number, column, reason). Blank rows are skipped.
     Nothing is guessed. This runs in a reader thread, with no database access.
  3. The kind's staging loader (`staging.StagingLoader`: `places.PlaceLoader` for households,
     shops and enterprises, `keyrecords.KeyRecordLoader` for key persons and key items) loads
     each batch in one transaction: fills the staging table, rejects rows that duplicate an
     earlier row of the file or that would touch records outside the user's jurisdiction,
     counts created / updated / unchanged, writes one history row per changed field of every
     existing record, and upserts by natural key. A blank cell never erases a stored value.
A failed batch rolls back alone; the job says up to which row the file made it.
"""
