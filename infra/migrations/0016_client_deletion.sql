-- A registered client's deletion (docs/privacy.md, "Clients"): the purge replaces every copy of
-- the person's name, phone and email left in the professionals' records (the text of an
-- in-app notice, a queued message's parameters, an audit reason) with a neutral placeholder.
--
-- `needles` are the values to replace, longest first (a phone goes whole before its bare
-- digits). Plain `replace`, not a regular expression: a name is text, never a pattern.
-- IMMUTABLE and STRICT on the text: a NULL column stays NULL.
CREATE FUNCTION scrub_text(value text, needles text[], placeholder text) RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    needle text;
BEGIN
    IF value IS NULL THEN
        RETURN NULL;
    END IF;
    FOREACH needle IN ARRAY COALESCE(needles, '{}') LOOP
        value := replace(value, needle, placeholder);
    END LOOP;
    RETURN value;
END
$$;
