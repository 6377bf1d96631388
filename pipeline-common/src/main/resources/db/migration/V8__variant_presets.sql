-- A tenant's named variant sets: a submission names one instead of listing its variants.
-- (Built-in presets come from pipeline.intake.variant-presets; a tenant's own of the same name wins.)
CREATE TABLE variant_presets (
    tenant_id   uuid NOT NULL REFERENCES tenants,
    name        text NOT NULL,
    -- [{"name", "aspectRatio", "size"}, ...] as checked when saved
    variants    jsonb NOT NULL,
    updated_at  timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, name)
);
