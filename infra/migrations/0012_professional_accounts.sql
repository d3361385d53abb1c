-- Professional accounts: sign-up through POST /api/account, and slugs that keep working after
-- a change (agenda.adapters.accounts, docs/accounts.md).
--
-- Every slug a professional has ever had lives in `professional_slugs`, the current one with
-- `retired_at` NULL and each earlier one with the instant it was left. The primary key makes
-- the slug namespace one: a slug is current for one professional, or retired by one, never
-- both, and a retired slug cannot be taken by anyone else (its old links redirect to its
-- owner). Triggers on professionals keep the registry in step with every write, whoever makes
-- it (the account routes, the seed, an operator's SQL), so two racing sign-ups or a sign-up
-- racing a slug change collide on this one key and exactly one of them wins.

CREATE TABLE professional_slugs (
    slug            text PRIMARY KEY CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
    professional_id uuid NOT NULL REFERENCES professionals (id) ON DELETE CASCADE,
    retired_at      timestamptz
);
CREATE INDEX professional_slugs_professional_idx ON professional_slugs (professional_id);

INSERT INTO professional_slugs (slug, professional_id)
SELECT slug, id FROM professionals;

CREATE FUNCTION professional_slug_registry() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF NEW.slug IS NOT DISTINCT FROM OLD.slug THEN
            RETURN NEW;
        END IF;
        INSERT INTO professional_slugs (slug, professional_id, retired_at)
        VALUES (OLD.slug, NEW.id, now())
        ON CONFLICT (slug) DO UPDATE SET retired_at = now()
        WHERE professional_slugs.professional_id = EXCLUDED.professional_id;
    END IF;
    -- A professional may take back a slug of their own; anyone else's is refused with the
    -- same error a duplicate key gives, naming this table's key.
    INSERT INTO professional_slugs (slug, professional_id)
    VALUES (NEW.slug, NEW.id)
    ON CONFLICT (slug) DO UPDATE SET retired_at = NULL
    WHERE professional_slugs.professional_id = EXCLUDED.professional_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'slug % is taken', NEW.slug
            USING ERRCODE = 'unique_violation', CONSTRAINT = 'professional_slugs_pkey';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER professionals_slug_registry
    AFTER INSERT OR UPDATE OF slug ON professionals
    FOR EACH ROW EXECUTE FUNCTION professional_slug_registry();

-- The language is one of the product's two.
ALTER TABLE professionals
    ADD CONSTRAINT professionals_locale_check CHECK (locale IN ('pt-BR', 'en')) NOT VALID;
