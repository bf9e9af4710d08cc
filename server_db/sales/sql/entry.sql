-- Entering and editing draft orders. The client resolves what was typed (codes and SKUs to ids) and reads
-- the numbers; list prices, tax rates and every rule of a draft are the database's (the functions and
-- triggers below), so an import or psql obeys them too. Nobody writes the order tables directly: these
-- functions are the only way in, and they write only what a draft may hold (the state, dates promised,
-- quantities shipped and invoiced and who did what are the workflow's). A refusal names the field to
-- correct ('customer', 'lines[2].product').

-- A new draft with its lines, in one call.
CREATE OR REPLACE FUNCTION erp.enter_sales_order(p_order jsonb, p_lines jsonb) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
DECLARE
    v_id bigint;
BEGIN
    INSERT INTO sales_orders (customer_id, warehouse_id, requested_date, delivery_address, customer_reference, notes)
    SELECT o.customer_id, o.warehouse_id, o.requested_date, coalesce(o.delivery_address, ''),
           coalesce(o.customer_reference, ''), coalesce(o.notes, '')
      FROM jsonb_to_record(p_order) AS o(customer_id bigint, warehouse_id bigint, requested_date date,
                                         delivery_address text, customer_reference text, notes text)
    RETURNING id INTO v_id;
    PERFORM erp._insert_sales_order_lines(v_id, p_lines);
    RETURN v_id;
END $$;

-- Saving edits to a draft: the header, and (when given) the lines, which replace the old ones. Refused if
-- someone else saved the order since `p_expected_version` was read.
CREATE OR REPLACE FUNCTION erp.update_sales_order_draft(p_order_id bigint, p_expected_version integer,
                                                        p_order jsonb, p_lines jsonb) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
DECLARE
    o sales_orders%ROWTYPE;
BEGIN
    SELECT * INTO o FROM sales_orders WHERE id = p_order_id FOR UPDATE;
    PERFORM erp.require_found(FOUND, 'sales_order', p_order_id);
    PERFORM erp.require_version('sales_order', o.number, o.version, p_expected_version);
    PERFORM erp.require_state('sales_order', o.number, o.state, ARRAY['draft'], '; only drafts can be edited.');
    IF p_lines IS NOT NULL THEN
        DELETE FROM sales_order_lines WHERE order_id = p_order_id;
        PERFORM erp._insert_sales_order_lines(p_order_id, p_lines);
    END IF;
    -- the header is written even when only the lines changed, so the version moves on
    UPDATE sales_orders s
       SET customer_id = coalesce(h.customer_id, s.customer_id),
           warehouse_id = coalesce(h.warehouse_id, s.warehouse_id),
           requested_date = CASE WHEN p_order IS NULL THEN s.requested_date ELSE h.requested_date END,
           delivery_address = coalesce(h.delivery_address, s.delivery_address),
           customer_reference = coalesce(h.customer_reference, s.customer_reference),
           notes = coalesce(h.notes, s.notes)
      FROM jsonb_to_record(coalesce(p_order, '{}')) AS h(customer_id bigint, warehouse_id bigint, requested_date date,
                                                         delivery_address text, customer_reference text, notes text)
     WHERE s.id = p_order_id;
    RETURN p_order_id;
END $$;

-- Deleting a draft nobody else changed since `p_expected_version` was read.
CREATE OR REPLACE FUNCTION erp.delete_sales_order_draft(p_order_id bigint, p_expected_version integer) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
DECLARE
    o sales_orders%ROWTYPE;
BEGIN
    SELECT * INTO o FROM sales_orders WHERE id = p_order_id FOR UPDATE;
    PERFORM erp.require_found(FOUND, 'sales_order', p_order_id);
    PERFORM erp.require_version('sales_order', o.number, o.version, p_expected_version);
    DELETE FROM sales_orders WHERE id = p_order_id;  -- guard_sales_order refuses anything but a draft
END $$;

-- The lines of a draft, numbered as given; an empty price takes the product's list price, the tax rate is
-- the product's.
CREATE OR REPLACE FUNCTION erp._insert_sales_order_lines(p_order_id bigint, p_lines jsonb) RETURNS void
LANGUAGE sql SET search_path = erp, pg_temp AS $$
    INSERT INTO sales_order_lines (order_id, line_no, product_id, description, quantity, unit_price, discount_pct,
                                   tax_rate, below_cost_reason)
    SELECT p_order_id, l.line_no, l.product_id, coalesce(l.description, ''), l.quantity,
           coalesce(l.unit_price, p.price), coalesce(l.discount_pct, 0), p.tax_rate,
           nullif(btrim(l.below_cost_reason), '')
      FROM jsonb_to_recordset(coalesce(p_lines, '[]')) AS l(line_no integer, product_id bigint, description text,
           quantity numeric, unit_price numeric, discount_pct numeric, below_cost_reason text)
      LEFT JOIN products p ON p.id = l.product_id
     ORDER BY l.line_no
$$;

-- A draft is for an active customer and not for a day gone by; once confirmed only the workflow moves an
-- order on, and only a draft may be deleted.
CREATE OR REPLACE FUNCTION erp.guard_sales_order() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    c record;
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.state <> 'draft' THEN
            PERFORM erp.fail('ER001', 'Sales order %s is %s; only drafts can be deleted. Cancel it instead.',
                             OLD.number, erp.state_label(OLD.state));
        END IF;
        RETURN OLD;
    END IF;
    IF TG_OP = 'UPDATE' AND OLD.state <> 'draft' THEN
        IF (NEW.customer_id, NEW.warehouse_id, NEW.number, NEW.order_date, NEW.requested_date, NEW.delivery_address,
            NEW.customer_reference)
           IS DISTINCT FROM (OLD.customer_id, OLD.warehouse_id, OLD.number, OLD.order_date, OLD.requested_date,
                             OLD.delivery_address, OLD.customer_reference) THEN
            PERFORM erp.fail('ER001', 'Sales order %s is %s; its customer, dates and address can no longer be changed.',
                             OLD.number, erp.state_label(OLD.state));
        END IF;
    ELSIF NEW.state = 'draft' THEN
        IF TG_OP = 'INSERT' OR NEW.customer_id IS DISTINCT FROM OLD.customer_id THEN
            SELECT code, active INTO c FROM erp.customers WHERE id = NEW.customer_id;
            IF FOUND AND NOT c.active THEN
                PERFORM erp.fail_at('customer', 'ER001', 'Customer %s is inactive.', c.code);
            END IF;
        END IF;
        IF (TG_OP = 'INSERT' OR NEW.requested_date IS DISTINCT FROM OLD.requested_date)
           AND NEW.requested_date < current_date THEN
            PERFORM erp.fail_at('requested_date', 'ER001', 'The requested date is in the past.');
        END IF;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        NEW.updated_at := now();
    END IF;
    RETURN NEW;
END $$;

-- The lines of a draft change freely, for products still sold; afterwards only the workflow records what
-- was shipped and invoiced.
CREATE OR REPLACE FUNCTION erp.guard_sales_order_line() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_order_id bigint := CASE WHEN TG_OP = 'DELETE' THEN OLD.order_id ELSE NEW.order_id END;
    o record;
    p record;
BEGIN
    SELECT number, state INTO o FROM erp.sales_orders WHERE id = v_order_id;
    IF o.state IS NULL OR o.state = 'draft' THEN
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        IF TG_OP = 'INSERT' OR NEW.product_id IS DISTINCT FROM OLD.product_id THEN
            SELECT sku, active INTO p FROM erp.products WHERE id = NEW.product_id;
            IF FOUND AND NOT p.active THEN
                PERFORM erp.fail_at(format('lines[%s].product', NEW.line_no), 'ER001',
                                    'Line %s: product %s is no longer sold.', NEW.line_no::text, p.sku);
            END IF;
        END IF;
        RETURN NEW;
    END IF;
    IF TG_OP = 'UPDATE' AND (to_jsonb(NEW) - '{qty_shipped,qty_invoiced}'::text[])
                            = (to_jsonb(OLD) - '{qty_shipped,qty_invoiced}'::text[]) THEN
        RETURN NEW;  -- the workflow recording shipped and invoiced quantities
    END IF;
    PERFORM erp.fail('ER001', 'Sales order %s is %s; its lines can no longer be changed.', o.number,
                     erp.state_label(o.state));
    RETURN NULL;
END $$;

-- Price below cost needs a reason, for any writer.
CREATE OR REPLACE FUNCTION erp.check_sales_order_line_price() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    p record;
    v_net numeric := erp.line_net(1, NEW.unit_price, NEW.discount_pct);
BEGIN
    SELECT sku, cost INTO p FROM erp.products WHERE id = NEW.product_id;
    IF v_net < p.cost AND btrim(coalesce(NEW.below_cost_reason, '')) = '' THEN
        PERFORM erp.fail_at(format('lines[%s].below_cost_reason', NEW.line_no), 'ER001',
                            'Line %s: the net price %s of %s is below its cost %s; give a reason to sell below cost.',
                            NEW.line_no::text, erp.fmt_money(v_net), p.sku, erp.fmt_money(p.cost));
    END IF;
    RETURN NEW;
END $$;

-- Lines of a draft order change only in sales; other departments hear of lines through the order.
CREATE OR REPLACE FUNCTION erp.sales_order_lines_event() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
DECLARE
    v_order bigint := CASE WHEN TG_OP = 'DELETE' THEN OLD.order_id ELSE NEW.order_id END;
    o record;
BEGIN
    SELECT number, state INTO o FROM sales_orders WHERE id = v_order;
    IF FOUND AND o.state = 'draft' THEN
        PERFORM erp.emit_event('lines_changed', v_order, 'sales_order', v_order, o.number, NULL, NULL);
    END IF;
    RETURN NULL;
END $$;
