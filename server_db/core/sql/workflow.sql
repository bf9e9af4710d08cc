-- What every document's table shares: legal state changes (the table erp.state_transitions, written from
-- the workflows in server_db/*/states.py), optimistic versions, document numbers.

-- TG_ARGV[0] is the document type. Refuses any state change not in state_transitions, and records who made
-- the change and when.
CREATE OR REPLACE FUNCTION erp.enforce_state_transition() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_from text := CASE WHEN TG_OP = 'INSERT' THEN 'new' ELSE OLD.state END;
    label text;
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.state = OLD.state THEN
        RETURN NEW;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM erp.state_transitions t
                   WHERE t.document_type = TG_ARGV[0] AND t.from_state = v_from AND t.to_state = NEW.state) THEN
        label := erp.document_label(TG_ARGV[0]);
        IF TG_OP = 'INSERT' THEN
            PERFORM erp.fail('ER003', 'A new %s cannot start as %s.', lower(label), erp.state_label(NEW.state));
        END IF;
        PERFORM erp.fail('ER003', '%s %s is %s and cannot become %s.', label,
                         coalesce(to_jsonb(NEW) ->> 'number', '#' || NEW.id::text),
                         erp.state_label(OLD.state), erp.state_label(NEW.state));
    END IF;
    NEW.state_changed_at := now();
    NEW.state_changed_by := session_user;
    RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION erp.bump_version() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.version := OLD.version + 1;
    RETURN NEW;
END $$;

-- Document numbers: PREFIX-YEAR-NNNNN. Orders, purchase and production orders and delivery notes use one
-- sequence per kind and year: gaps are allowed there, and concurrent confirmations never queue on a counter.
-- (Invoices are gap-free: erp._next_gapless_number.)
CREATE OR REPLACE FUNCTION erp.next_number(p_kind text) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
DECLARE
    yr integer := extract(year FROM current_date)::integer;
    seq text := format('erp.seq_%s_%s', lower(p_kind), yr);
    n bigint;
BEGIN
    IF p_kind IS NULL OR p_kind NOT IN ('SO', 'PO', 'MO', 'DN') THEN
        PERFORM erp.fail('ER001', 'Unknown document kind %s.', coalesce(p_kind, 'NULL'));
    END IF;
    BEGIN
        n := nextval(seq);
    EXCEPTION WHEN undefined_table THEN
        BEGIN
            EXECUTE format('CREATE SEQUENCE IF NOT EXISTS %s', seq);
        EXCEPTION WHEN unique_violation OR duplicate_table THEN
            NULL;  -- another session created it at the same moment
        END;
        n := nextval(seq);
    END;
    RETURN format('%s-%s-%s', p_kind, yr, lpad(n::text, greatest(5, length(n::text)), '0'));
END $$;
