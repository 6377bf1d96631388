-- A call's cap reservation from the moment it is booked (batches.committed_usd,
-- tenant_spend.committed_usd) until its ledger row (attempts, IN_FLIGHT with reserved_usd) is
-- written, or it is given back. A cap change recounts the committed money from the ledger: without
-- this row it missed a reservation booked just before the recount and recorded just after, and the
-- cap could be overshot by that call. The booking and the hold change in one statement, the ledger
-- row and the hold's removal in another, so a recount's snapshot sees each reservation once.
CREATE TABLE cap_holds (
    item_id     uuid PRIMARY KEY,
    batch_id    uuid NOT NULL,
    tenant_id   uuid NOT NULL,
    month       text,
    batch_usd   numeric(14,6),
    tenant_usd  numeric(14,6),
    held_at     timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX cap_holds_by_batch ON cap_holds (batch_id);
CREATE INDEX cap_holds_by_tenant_month ON cap_holds (tenant_id, month);
