-- Issue 16: closing the pay-twice window. A worker lost between the provider accepting a job and
-- our storing its id leaves a SUBMITTING row; the worker that takes it over looks the job up at the
-- provider by its display name (our job_id) and adopts it, or, when the provider has no such job,
-- closes the lines' attempts unbilled and queues the items again. Either way it must know which
-- ledger attempt each line stands for: the attempt number is kept with the line.
ALTER TABLE provider_job_items ADD COLUMN attempt_no int;
