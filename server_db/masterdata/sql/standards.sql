-- Data standards of master data, enforced for every writer (the forms, imports, psql) by one trigger per table.
-- The rules live in one place, erp.data_rules(): the trigger checks a new record against them, and the import
-- (server_db/transfer) and the data-quality list (erp.data_quality) check many records at once from the same
-- rows. A rule is checked on INSERT, and on UPDATE only when a column it reads changed, so a record written
-- before the rule existed can still be edited in its other fields (erp.data_quality lists it).

-- A code as the forms, imports and psql all store it: NFKC (full-width letters and digits become half-width),
-- trimmed, upper case. 'ｃ００１ ' -> 'C001'.
CREATE OR REPLACE FUNCTION erp.normalise_code(p_code text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT upper(btrim(normalize(p_code, NFKC), E' \t\r\n'))
$$;

-- A unit as the table of units spells it, matched without regard to case or width ('PCS', 'ｐｃｓ' -> 'pcs');
-- an unknown unit stays as typed (trimmed), and the rule refuses it.
CREATE OR REPLACE FUNCTION erp.normalise_unit(p_unit text) RETURNS text
LANGUAGE sql STABLE STRICT AS $$  -- no SET clause, so a query can inline it
    SELECT coalesce(
        (SELECT u.code FROM erp.units u
          WHERE lower(u.code) = lower(btrim(normalize(p_unit, NFKC), E' \t\r\n'))
          ORDER BY u.code = btrim(normalize(p_unit, NFKC), E' \t\r\n') DESC, u.active DESC, u.code
          LIMIT 1),
        btrim(normalize(p_unit, NFKC), E' \t\r\n'))
$$;

-- A phone number a person can dial from China: a mobile (1[3-9] and 9 digits), a landline with its area code
-- (0xx-xxxxxxx(x)), a 400/800 service number, or an international number (+ or 00, country code, 7 to 15
-- digits), each with optional +86/0086, spaces, dashes, dots or brackets, and an extension (转 88, ext. 88, #88).
CREATE OR REPLACE FUNCTION erp.is_valid_phone(p_phone text) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT d ~ '^((\+86|0086)?1[3-9][0-9]{9}|0[1-9][0-9]{1,2}[0-9]{7,8}|(\+86|0086)?[48]00[0-9]{7}|(\+|00)[1-9][0-9]{6,14})$'
      FROM (SELECT regexp_replace(
                       regexp_replace(normalize(p_phone, NFKC), '\s*(转|分机|ext\.?|x|#)\s*[0-9]{1,6}\s*$', '', 'i'),
                       '[\s.()\-]', '', 'g') AS d) x
$$;

-- An e-mail address: one @, something before it, a domain with a dot after it, no spaces.
CREATE OR REPLACE FUNCTION erp.is_valid_email(p_email text) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT p_email ~ '^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$' AND length(p_email) <= 200
$$;
