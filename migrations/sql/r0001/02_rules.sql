-- Rules every writer obeys, whether it is the client, an import or psql:
-- legal state changes, optimistic versions, document numbers, the stock ledger, immutable posted invoices.
SET search_path = erp, pg_catalog;

-- Domain errors carry SQLSTATE class ER so the client can show the sentence as it is:
--   ER001 rule broken or bad input   ER002 not found        ER003 illegal state change
--   ER004 credit limit               ER005 not enough stock ER006 changed by someone else
CREATE FUNCTION erp.fail(code text, message text, VARIADIC args text[] DEFAULT '{}') RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING ERRCODE = code, MESSAGE = format(message, VARIADIC args);
END $$;

CREATE FUNCTION erp.state_label(state text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT replace(state, '_', ' ') $$;

CREATE FUNCTION erp.document_label(document_type text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE document_type
        WHEN 'sales_order' THEN 'Sales order'
        WHEN 'purchase_request' THEN 'Purchase request'
        WHEN 'purchase_order' THEN 'Purchase order'
        WHEN 'production_order' THEN 'Production order'
        WHEN 'delivery_note' THEN 'Delivery note'
        WHEN 'invoice' THEN 'Invoice'
        ELSE initcap(replace(document_type, '_', ' '))
    END
$$;

INSERT INTO state_transitions (document_type, from_state, to_state) VALUES
    ('sales_order', 'new', 'draft'),
    ('sales_order', 'draft', 'confirmed'),
    ('sales_order', 'draft', 'cancelled'),
    ('sales_order', 'confirmed', 'in_fulfilment'),
    ('sales_order', 'confirmed', 'ready'),
    ('sales_order', 'confirmed', 'cancelled'),
    ('sales_order', 'in_fulfilment', 'confirmed'),
    ('sales_order', 'in_fulfilment', 'ready'),
    ('sales_order', 'in_fulfilment', 'partially_shipped'),
    ('sales_order', 'in_fulfilment', 'shipped'),
    ('sales_order', 'in_fulfilment', 'cancelled'),
    ('sales_order', 'ready', 'confirmed'),
    ('sales_order', 'ready', 'in_fulfilment'),
    ('sales_order', 'ready', 'partially_shipped'),
    ('sales_order', 'ready', 'shipped'),
    ('sales_order', 'ready', 'cancelled'),
    ('sales_order', 'partially_shipped', 'shipped'),
    ('sales_order', 'shipped', 'invoiced'),
    ('sales_order', 'shipped', 'paid'),
    ('sales_order', 'invoiced', 'shipped'),
    ('sales_order', 'invoiced', 'paid'),
    ('sales_order', 'paid', 'closed'),
    ('purchase_request', 'new', 'open'),
    ('purchase_request', 'open', 'ordered'),
    ('purchase_request', 'open', 'cancelled'),
    ('purchase_request', 'ordered', 'open'),
    ('purchase_request', 'ordered', 'received'),
    ('purchase_order', 'new', 'draft'),
    ('purchase_order', 'draft', 'sent'),
    ('purchase_order', 'draft', 'cancelled'),
    ('purchase_order', 'sent', 'partially_received'),
    ('purchase_order', 'sent', 'received'),
    ('purchase_order', 'sent', 'cancelled'),
    ('purchase_order', 'partially_received', 'received'),
    ('production_order', 'new', 'planned'),
    ('production_order', 'planned', 'released'),
    ('production_order', 'planned', 'cancelled'),
    ('production_order', 'released', 'in_progress'),
    ('production_order', 'released', 'done'),
    ('production_order', 'released', 'cancelled'),
    ('production_order', 'in_progress', 'done'),
    ('delivery_note', 'new', 'draft'),
    ('delivery_note', 'new', 'picked'),
    ('delivery_note', 'draft', 'picked'),
    ('delivery_note', 'draft', 'cancelled'),
    ('delivery_note', 'picked', 'shipped'),
    ('delivery_note', 'picked', 'cancelled'),
    ('invoice', 'new', 'draft'),
    ('invoice', 'draft', 'posted'),
    ('invoice', 'draft', 'cancelled'),
    ('invoice', 'posted', 'partially_paid'),
    ('invoice', 'posted', 'paid'),
    ('invoice', 'partially_paid', 'paid');

CREATE FUNCTION erp.enforce_state_transition() RETURNS trigger
LANGUAGE plpgsql AS $$
-- TG_ARGV[0] is the document type. Refuses any state change not in state_transitions,
-- and records who made the change and when.
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

CREATE FUNCTION erp.bump_version() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.version := OLD.version + 1;
    RETURN NEW;
END $$;

-- Document numbers: PREFIX-YEAR-NNNNN. Orders, purchase and production orders and delivery notes use one
-- sequence per kind and year: gaps are allowed there, and concurrent confirmations never queue on a counter.
CREATE FUNCTION erp.next_number(p_kind text) RETURNS text
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

-- Invoices and credit notes come from a locked counter row: a rolled-back posting gives its number back,
-- so the series has no gaps. Only the posting functions call this; no role may execute it directly.
CREATE FUNCTION erp._next_gapless_number(p_kind text) RETURNS text
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

ALTER TABLE sales_orders ALTER COLUMN number SET DEFAULT erp.next_number('SO');
ALTER TABLE purchase_orders ALTER COLUMN number SET DEFAULT erp.next_number('PO');
ALTER TABLE production_orders ALTER COLUMN number SET DEFAULT erp.next_number('MO');
ALTER TABLE delivery_notes ALTER COLUMN number SET DEFAULT erp.next_number('DN');

-- Every product has a stock level in every warehouse, so the ledger always has a row to post to.
CREATE FUNCTION erp.create_stock_levels() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
BEGIN
    IF TG_TABLE_NAME = 'products' THEN
        INSERT INTO stock_levels (product_id, warehouse_id) SELECT NEW.id, w.id FROM warehouses w
        ON CONFLICT DO NOTHING;
    ELSE
        INSERT INTO stock_levels (product_id, warehouse_id) SELECT p.id, NEW.id FROM products p
        ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END $$;

-- On hand is the sum of the moves: each move adds to its level, and moves are never changed.
CREATE FUNCTION erp.post_stock_move() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
BEGIN
    UPDATE stock_levels SET on_hand = on_hand + NEW.quantity
    WHERE product_id = NEW.product_id AND warehouse_id = NEW.warehouse_id;
    RETURN NULL;
END $$;

-- Reserved is the sum of the reservations.
CREATE FUNCTION erp.post_reservation() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.quantity <> 0 THEN
        UPDATE stock_levels SET reserved = reserved - OLD.quantity
        WHERE product_id = OLD.product_id AND warehouse_id = OLD.warehouse_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.quantity <> 0 THEN
        UPDATE stock_levels SET reserved = reserved + NEW.quantity
        WHERE product_id = NEW.product_id AND warehouse_id = NEW.warehouse_id;
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION erp.count_backlog() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
DECLARE
    v_old numeric := CASE WHEN TG_OP <> 'INSERT' AND OLD.state IN ('planned', 'released', 'in_progress')
                          THEN OLD.remaining_hours ELSE 0 END;
    v_new numeric := CASE WHEN TG_OP <> 'DELETE' AND NEW.state IN ('planned', 'released', 'in_progress')
                          THEN NEW.remaining_hours ELSE 0 END;
    v_centre bigint := CASE WHEN TG_OP = 'DELETE' THEN OLD.work_centre_id ELSE NEW.work_centre_id END;
BEGIN
    IF v_new <> v_old THEN
        INSERT INTO work_centre_backlog AS b (work_centre_id, shard, hours)
        VALUES (v_centre, pg_backend_pid() % 8, v_new - v_old)
        ON CONFLICT (work_centre_id, shard) DO UPDATE SET hours = b.hours + EXCLUDED.hours;
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION erp.refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
-- TG_ARGV[0] is the sentence to show.
BEGIN
    PERFORM erp.fail('ER001', TG_ARGV[0]);
    RETURN NULL;
END $$;

-- A sales order can be edited while it is a draft; afterwards only the workflow moves it on.
CREATE FUNCTION erp.guard_sales_order() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.state <> 'draft' THEN
            PERFORM erp.fail('ER001', 'Sales order %s is %s; only drafts can be deleted. Cancel it instead.',
                             OLD.number, erp.state_label(OLD.state));
        END IF;
        RETURN OLD;
    END IF;
    IF OLD.state <> 'draft' AND (NEW.customer_id, NEW.warehouse_id, NEW.number, NEW.order_date, NEW.requested_date,
                                 NEW.delivery_address, NEW.customer_reference)
            IS DISTINCT FROM (OLD.customer_id, OLD.warehouse_id, OLD.number, OLD.order_date, OLD.requested_date,
                              OLD.delivery_address, OLD.customer_reference) THEN
        PERFORM erp.fail('ER001', 'Sales order %s is %s; its customer, dates and address can no longer be changed.',
                         OLD.number, erp.state_label(OLD.state));
    END IF;
    NEW.updated_at := now();
    RETURN NEW;
END $$;

CREATE FUNCTION erp.guard_sales_order_line() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_order_id bigint := CASE WHEN TG_OP = 'DELETE' THEN OLD.order_id ELSE NEW.order_id END;
    o record;
BEGIN
    SELECT number, state INTO o FROM erp.sales_orders WHERE id = v_order_id;
    IF o.state IS NULL OR o.state = 'draft' THEN
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    IF TG_OP = 'UPDATE' AND (to_jsonb(NEW) - '{qty_shipped,qty_invoiced}'::text[])
                            = (to_jsonb(OLD) - '{qty_shipped,qty_invoiced}'::text[]) THEN
        RETURN NEW;  -- the workflow recording shipped and invoiced quantities
    END IF;
    PERFORM erp.fail('ER001', 'Sales order %s is %s; its lines can no longer be changed.', o.number,
                     erp.state_label(o.state));
    RETURN NULL;
END $$;

-- Posted invoices are immutable: corrections are credit notes. Only settlement and printing move on.
CREATE FUNCTION erp.guard_invoice() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    settlement constant text[] := '{state,amount_paid,amount_credited,printed_at,printed_by,print_count,version,state_changed_at,state_changed_by}';
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.state <> 'draft' THEN
            PERFORM erp.fail('ER001', 'Invoice %s is posted and cannot be deleted; issue a credit note instead.',
                             OLD.number);
        END IF;
        RETURN OLD;
    END IF;
    IF OLD.state NOT IN ('draft') AND (to_jsonb(NEW) - settlement) <> (to_jsonb(OLD) - settlement) THEN
        PERFORM erp.fail('ER001', 'Invoice %s is posted and cannot be changed; issue a credit note instead.',
                         OLD.number);
    END IF;
    RETURN NEW;
END $$;

CREATE FUNCTION erp.guard_invoice_line() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    inv record;
BEGIN
    SELECT number, state INTO inv FROM erp.invoices
    WHERE id = CASE WHEN TG_OP = 'DELETE' THEN OLD.invoice_id ELSE NEW.invoice_id END;
    IF inv.state IS NOT NULL AND inv.state <> 'draft' THEN
        PERFORM erp.fail('ER001', 'Invoice %s is posted and cannot be changed; issue a credit note instead.',
                         inv.number);
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$;

CREATE TRIGGER enforce_state_transition BEFORE INSERT OR UPDATE OF state ON sales_orders
    FOR EACH ROW EXECUTE FUNCTION erp.enforce_state_transition('sales_order');
CREATE TRIGGER enforce_state_transition BEFORE INSERT OR UPDATE OF state ON purchase_requests
    FOR EACH ROW EXECUTE FUNCTION erp.enforce_state_transition('purchase_request');
CREATE TRIGGER enforce_state_transition BEFORE INSERT OR UPDATE OF state ON purchase_orders
    FOR EACH ROW EXECUTE FUNCTION erp.enforce_state_transition('purchase_order');
CREATE TRIGGER enforce_state_transition BEFORE INSERT OR UPDATE OF state ON production_orders
    FOR EACH ROW EXECUTE FUNCTION erp.enforce_state_transition('production_order');
CREATE TRIGGER enforce_state_transition BEFORE INSERT OR UPDATE OF state ON delivery_notes
    FOR EACH ROW EXECUTE FUNCTION erp.enforce_state_transition('delivery_note');
CREATE TRIGGER enforce_state_transition BEFORE INSERT OR UPDATE OF state ON invoices
    FOR EACH ROW EXECUTE FUNCTION erp.enforce_state_transition('invoice');

CREATE TRIGGER bump_version BEFORE UPDATE ON customers FOR EACH ROW EXECUTE FUNCTION erp.bump_version();
CREATE TRIGGER bump_version BEFORE UPDATE ON suppliers FOR EACH ROW EXECUTE FUNCTION erp.bump_version();
CREATE TRIGGER bump_version BEFORE UPDATE ON products FOR EACH ROW EXECUTE FUNCTION erp.bump_version();
CREATE TRIGGER bump_version BEFORE UPDATE ON sales_orders FOR EACH ROW EXECUTE FUNCTION erp.bump_version();
CREATE TRIGGER bump_version BEFORE UPDATE ON purchase_requests FOR EACH ROW EXECUTE FUNCTION erp.bump_version();
CREATE TRIGGER bump_version BEFORE UPDATE ON purchase_orders FOR EACH ROW EXECUTE FUNCTION erp.bump_version();
CREATE TRIGGER bump_version BEFORE UPDATE ON production_orders FOR EACH ROW EXECUTE FUNCTION erp.bump_version();
CREATE TRIGGER bump_version BEFORE UPDATE ON delivery_notes FOR EACH ROW EXECUTE FUNCTION erp.bump_version();
CREATE TRIGGER bump_version BEFORE UPDATE ON invoices FOR EACH ROW EXECUTE FUNCTION erp.bump_version();

CREATE TRIGGER create_stock_levels AFTER INSERT ON products
    FOR EACH ROW EXECUTE FUNCTION erp.create_stock_levels();
CREATE TRIGGER create_stock_levels AFTER INSERT ON warehouses
    FOR EACH ROW EXECUTE FUNCTION erp.create_stock_levels();
CREATE TRIGGER post_stock_move AFTER INSERT ON stock_moves
    FOR EACH ROW EXECUTE FUNCTION erp.post_stock_move();
CREATE TRIGGER refuse_change BEFORE UPDATE OR DELETE ON stock_moves
    FOR EACH ROW EXECUTE FUNCTION erp.refuse_change('Stock moves are a ledger and cannot be changed; record an adjustment instead.');
CREATE TRIGGER count_backlog AFTER INSERT OR UPDATE OF state, remaining_hours OR DELETE ON production_orders
    FOR EACH ROW EXECUTE FUNCTION erp.count_backlog();
CREATE TRIGGER post_reservation AFTER INSERT OR UPDATE OR DELETE ON reservations
    FOR EACH ROW EXECUTE FUNCTION erp.post_reservation();
CREATE TRIGGER guard_sales_order BEFORE UPDATE OR DELETE ON sales_orders
    FOR EACH ROW EXECUTE FUNCTION erp.guard_sales_order();
CREATE TRIGGER guard_sales_order_line BEFORE INSERT OR UPDATE OR DELETE ON sales_order_lines
    FOR EACH ROW EXECUTE FUNCTION erp.guard_sales_order_line();
CREATE TRIGGER guard_invoice BEFORE UPDATE OR DELETE ON invoices
    FOR EACH ROW EXECUTE FUNCTION erp.guard_invoice();
CREATE TRIGGER guard_invoice_line BEFORE INSERT OR UPDATE OR DELETE ON invoice_lines
    FOR EACH ROW EXECUTE FUNCTION erp.guard_invoice_line();
CREATE TRIGGER refuse_change BEFORE UPDATE OR DELETE ON payments
    FOR EACH ROW EXECUTE FUNCTION erp.refuse_change('Payments cannot be changed or deleted; record a correcting entry instead.');
