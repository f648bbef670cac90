-- ecocluster warehouse, migration 017: the reporting year of a refused file (issue 14), so that
-- `status` counts and lists refusals per year. Recorded where the file says it: the year of a JSON
-- or XLSX header, or the one year all of a file's rows give. Files refused before this migration,
-- and files too broken to say (unreadable, several years, a roster), keep NULL: "year unknown".
ALTER TABLE rejected_file ADD COLUMN reporting_year INTEGER;
