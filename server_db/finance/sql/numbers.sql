-- Invoices and credit notes come from a locked counter row: a rolled-back posting gives its number back,
-- so the series has no gaps. Only the posting functions call this; no role may execute it directly.
CREATE OR REPLACE FUNCTION erp._next_gapless_number(p_kind text) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
DECLARE
    yr integer := extract(year FROM current_date)::integer;
    n bigint;
BEGIN
    IF p_kind NOT IN ('INV', 'CN') THEN
        PERFORM erp.fail('ER001', 'Unknown document kind %s.', p_kind);
    END IF;
    INSERT INTO erp.document_counters AS c (kind, year, last_value) VALUES (p_kind, yr, 1)
    ON CONFLICT (kind, year) DO UPDATE SET last_value = c.last_value + 1
    RETURNING c.last_value INTO n;
    RETURN format('%s-%s-%s', p_kind, yr, lpad(n::text, greatest(5, length(n::text)), '0'));
END $$;
