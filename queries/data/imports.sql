-- title: Imports
-- grain: one row per imported file
-- params: none
-- description: Every ingested file with its format, exporter, coverage and counts.
select import_id, file_name, format, encoding, platform, exporter_name, exporter_account,
    coverage_start, coverage_end, n_read, n_new, n_duplicate, n_skipped, skipped_samples,
    status, imported_at
from imports
order by import_id desc
