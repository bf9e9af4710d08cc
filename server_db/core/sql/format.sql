-- How quantities, money and states read in the database's sentences.
CREATE OR REPLACE FUNCTION erp.state_label(state text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT replace(state, '_', ' ') $$;

CREATE OR REPLACE FUNCTION erp.fmt_qty(q numeric) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN q = trunc(q) THEN trunc(q)::text ELSE rtrim(q::text, '0') END
$$;

CREATE OR REPLACE FUNCTION erp.fmt_money(m numeric) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT btrim(to_char(m, 'FM999,999,999,990.00'))
$$;
