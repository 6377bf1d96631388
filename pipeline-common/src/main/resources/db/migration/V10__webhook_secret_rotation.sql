-- Rotating a webhook secret keeps the previous one signing too for a while (each request then
-- carries two signatures, as Standard Webhooks allows), so receivers can switch without a gap.
ALTER TABLE tenants
    ADD COLUMN webhook_secret_previous        text,
    ADD COLUMN webhook_secret_previous_until  timestamptz;
