-- The professionals' public pages (/p/{slug}), static files in the pages bucket
-- (agenda.service.site_publisher, docs/pages.md).
--
-- A row here says "the page at this slug may be out of date". Triggers write it in the same
-- transaction as the change, so every writer (the account routes, the avatar, the deletion,
-- a review, the seed, an operator's SQL) is covered and a change is never lost: the
-- publisher deletes a row only in the transaction that wrote the page from the state it read
-- after the change committed. Rows are only ever inserted by writers, never updated, so a
-- change never waits for a publisher holding a row; several rows for one slug are one job.
CREATE TABLE site_page_jobs (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug      text NOT NULL,
    queued_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX site_page_jobs_slug_idx ON site_page_jobs (slug);

-- The related professionals a page lists: the first six of the same profession by name
-- (agenda.adapters.professionals). A professional changes the other pages of their profession
-- only while they are among its first seven (a peer's own list leaves the peer out), so only
-- then are the peers' pages queued: a new professional further down the list costs one row.
CREATE FUNCTION site_pages_queue_peers(p_id uuid, p_profession text, p_name text)
RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF (SELECT count(*) FROM professionals
        WHERE profession = p_profession AND active AND id <> p_id AND name <= p_name) < 7 THEN
        INSERT INTO site_page_jobs (slug)
        SELECT slug FROM professionals
        WHERE profession = p_profession AND active AND id <> p_id;
    END IF;
END
$$;

CREATE FUNCTION site_pages_professional_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO site_page_jobs (slug) VALUES (NEW.slug);
        IF NEW.active THEN
            PERFORM site_pages_queue_peers(NEW.id, NEW.profession, NEW.name);
        END IF;
        RETURN NEW;
    END IF;
    IF TG_OP = 'DELETE' THEN
        -- An inactive professional's pages went when they went inactive (the deletion's first
        -- phase makes them so), and the purge leaves no row naming them. A live one deleted
        -- (an operator's SQL) has pages to remove: before the delete, the slug registry still
        -- names every slug they had.
        IF OLD.active THEN
            INSERT INTO site_page_jobs (slug)
            SELECT slug FROM professional_slugs WHERE professional_id = OLD.id
            UNION SELECT OLD.slug;
            PERFORM site_pages_queue_peers(OLD.id, OLD.profession, OLD.name);
        END IF;
        RETURN OLD;
    END IF;
    IF (NEW.name, NEW.profession, NEW.bio, NEW.avatar_url, NEW.session_duration,
        NEW.session_price, NEW.currency, NEW.timezone, NEW.locale, NEW.slug, NEW.active)
       IS NOT DISTINCT FROM
       (OLD.name, OLD.profession, OLD.bio, OLD.avatar_url, OLD.session_duration,
        OLD.session_price, OLD.currency, OLD.timezone, OLD.locale, OLD.slug, OLD.active) THEN
        RETURN NEW;
    END IF;
    IF NEW.active IS DISTINCT FROM OLD.active OR NEW.slug IS DISTINCT FROM OLD.slug THEN
        -- The old slugs' redirects appear, move or go with the page.
        INSERT INTO site_page_jobs (slug)
        SELECT slug FROM professional_slugs WHERE professional_id = NEW.id
        UNION SELECT OLD.slug UNION SELECT NEW.slug;
    ELSE
        INSERT INTO site_page_jobs (slug) VALUES (NEW.slug);
    END IF;
    IF (NEW.name, NEW.profession, NEW.avatar_url, NEW.slug, NEW.active)
       IS DISTINCT FROM (OLD.name, OLD.profession, OLD.avatar_url, OLD.slug, OLD.active) THEN
        IF OLD.active THEN
            PERFORM site_pages_queue_peers(OLD.id, OLD.profession, OLD.name);
        END IF;
        IF NEW.active AND (NEW.profession IS DISTINCT FROM OLD.profession OR NOT OLD.active
                           OR NEW.name IS DISTINCT FROM OLD.name) THEN
            PERFORM site_pages_queue_peers(NEW.id, NEW.profession, NEW.name);
        END IF;
    END IF;
    RETURN NEW;
END
$$;

-- AFTER INSERT and UPDATE, in the change's transaction: a slug the registry (0012) refuses
-- fails the statement, and the rows queued here with it. BEFORE DELETE: the registry's rows
-- go with the professional.
CREATE TRIGGER professionals_site_pages
    AFTER INSERT OR UPDATE ON professionals
    FOR EACH ROW EXECUTE FUNCTION site_pages_professional_changed();
CREATE TRIGGER professionals_site_pages_delete
    BEFORE DELETE ON professionals
    FOR EACH ROW EXECUTE FUNCTION site_pages_professional_changed();

-- A page shows its latest reviews, their count and average, each with the reviewer's first
-- name: a review written, edited or removed, or a reviewer renamed (an anonymised deletion
-- among them), changes it.
CREATE FUNCTION site_pages_review_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    changed reviews%ROWTYPE;
BEGIN
    changed := CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    INSERT INTO site_page_jobs (slug)
    SELECT slug FROM professionals WHERE id = changed.professional_id;
    RETURN NULL;
END
$$;

CREATE TRIGGER reviews_site_pages
    AFTER INSERT OR UPDATE OR DELETE ON reviews
    FOR EACH ROW EXECUTE FUNCTION site_pages_review_changed();

CREATE FUNCTION site_pages_reviewer_renamed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.name IS DISTINCT FROM OLD.name
       AND EXISTS (SELECT 1 FROM reviews WHERE client_id = NEW.id) THEN
        INSERT INTO site_page_jobs (slug)
        SELECT slug FROM professionals WHERE id = NEW.professional_id;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER clients_site_pages
    AFTER UPDATE OF name ON clients
    FOR EACH ROW EXECUTE FUNCTION site_pages_reviewer_renamed();

-- Every page and redirect there is today, written by the first publisher run.
INSERT INTO site_page_jobs (slug) SELECT slug FROM professional_slugs;
