-- Creating and changing master data. Nobody writes these tables directly: a department that could UPDATE a
-- column could also lock every row of the table (SELECT ... FOR UPDATE), and the foreign-key checks of every
-- new order, delivery and invoice would wait behind it. These functions are the only way in; what each
-- department may set is the matrix below, and the tables' CHECK constraints and triggers apply as always.

-- Who keeps which master data, column by column: the columns a department may give a new record, and those
-- it may change afterwards. The admin keeps everything.
CREATE OR REPLACE FUNCTION erp.master_data_duties()
RETURNS TABLE (department text, table_name text, on_insert text[], on_update text[])
LANGUAGE sql IMMUTABLE AS $$
    VALUES
        ('sales', 'customers',
         '{code,name,address,postcode,delivery_address,contact,phone,email,tax_id,active}'::text[],
         '{name,address,postcode,delivery_address,contact,phone,email,tax_id,active}'::text[]),
        ('finance', 'customers', '{}', '{credit_limit,payment_terms_days}'),
        ('purchasing', 'suppliers',
         '{code,name,address,postcode,contact,phone,email,tax_id,lead_time_days,active}',
         '{name,address,postcode,contact,phone,email,tax_id,lead_time_days,active}'),
        ('admin', 'company',
         '{name,address,tax_id,phone,email,bank_account,logo_png,currency}',
         '{name,address,tax_id,phone,email,bank_account,logo_png,currency}'),
        ('admin', 'customers',
         '{code,name,address,postcode,delivery_address,contact,phone,email,tax_id,payment_terms_days,credit_limit,'
         'active}',
         '{code,name,address,postcode,delivery_address,contact,phone,email,tax_id,payment_terms_days,credit_limit,'
         'active}'),
        ('admin', 'suppliers',
         '{code,name,address,postcode,contact,phone,email,tax_id,lead_time_days,active}',
         '{code,name,address,postcode,contact,phone,email,tax_id,lead_time_days,active}'),
        ('admin', 'warehouses', '{code,name,address,active}', '{code,name,address,active}'),
        ('admin', 'work_centres', '{code,name,daily_capacity_hours,active}', '{code,name,daily_capacity_hours,active}'),
        ('admin', 'units', '{code,name,active}', '{name,active}'),
        ('admin', 'products',
         '{sku,name,unit,procurement,price,cost,tax_rate,lead_time_days,reorder_point,default_supplier_id,'
         'work_centre_id,hours_per_unit,active}',
         '{sku,name,unit,procurement,price,cost,tax_rate,lead_time_days,reorder_point,default_supplier_id,'
         'work_centre_id,hours_per_unit,active}')
$$;

-- Refuses the first column the logged-in person may not set, naming it and who keeps it.
CREATE OR REPLACE FUNCTION erp._check_master_data_write(p_table text, p_columns text[], p_inserting boolean)
RETURNS void
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = erp, pg_temp AS $$
DECLARE
    v_column text;
    v_keepers text;
BEGIN
    FOREACH v_column IN ARRAY p_columns LOOP
        CONTINUE WHEN EXISTS (
            SELECT FROM erp.master_data_duties() m
             WHERE m.table_name = p_table
               AND v_column = ANY (CASE WHEN p_inserting THEN m.on_insert ELSE m.on_update END)
               AND pg_has_role(session_user, 'erp_' || m.department, 'USAGE'));
        SELECT string_agg(DISTINCT m.department, ' or ' ORDER BY m.department) INTO v_keepers
          FROM erp.master_data_duties() m
         WHERE m.table_name = p_table AND v_column = ANY (m.on_insert || m.on_update);
        IF v_keepers IS NULL THEN
            PERFORM erp.fail_at(v_column, 'ER001', 'The %s of %s is not set by hand.', replace(v_column, '_', ' '),
                                replace(p_table, '_', ' '));
        END IF;
        PERFORM erp.fail_at(v_column, 'ER007', 'Only %s may %s the %s of %s; you are logged in as %s.', v_keepers,
                            CASE WHEN p_inserting THEN 'give' ELSE 'change' END, replace(v_column, '_', ' '),
                            replace(p_table, '_', ' '), coalesce(erp.my_department(), 'a user without a department'));
    END LOOP;
END $$;

-- A new record (p_id NULL) with the given columns, or the given columns of an existing one; refused if it
-- changed since `p_version` was read (for the tables that keep a version). Returns the record's id.
CREATE OR REPLACE FUNCTION erp._save_master_data(p_table text, p_id bigint, p_version integer, p_values jsonb)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
DECLARE
    v_columns text[] := ARRAY(SELECT jsonb_object_keys(coalesce(p_values, '{}')) ORDER BY 1);
    v_list text;
    v_id bigint;
    v_version integer;
    v_versioned boolean := EXISTS (SELECT FROM pg_attribute WHERE attrelid = format('erp.%I', p_table)::regclass
                                                               AND attname = 'version' AND NOT attisdropped);
BEGIN
    IF cardinality(v_columns) = 0 THEN
        PERFORM erp.fail('ER001', 'Nothing to save.');
    END IF;
    PERFORM erp._check_master_data_write(p_table, v_columns, p_id IS NULL);
    v_list := (SELECT string_agg(format('%I', c), ', ') FROM unnest(v_columns) c);
    IF p_id IS NULL THEN
        EXECUTE format('INSERT INTO erp.%I (%s) SELECT %s FROM jsonb_populate_record(NULL::erp.%I, $1) RETURNING id',
                       p_table, v_list, v_list, p_table)
           INTO v_id USING p_values;
        RETURN v_id;
    END IF;
    IF v_versioned THEN
        EXECUTE format('SELECT version FROM erp.%I WHERE id = $1 FOR UPDATE', p_table) INTO v_version USING p_id;
    ELSE
        EXECUTE format('SELECT 1 FROM erp.%I WHERE id = $1 FOR UPDATE', p_table) INTO v_version USING p_id;
    END IF;
    IF v_version IS NULL THEN
        PERFORM erp.fail('ER002', '%s #%s does not exist.', initcap(replace(rtrim(p_table, 's'), '_', ' ')),
                         p_id::text);
    END IF;
    IF v_versioned AND p_version IS NOT NULL AND v_version <> p_version THEN
        PERFORM erp.fail('ER006', 'This %s was changed by someone else since you opened it; reload it to see their '
                                  'changes, then make yours again.', replace(rtrim(p_table, 's'), '_', ' '));
    END IF;
    EXECUTE format('UPDATE erp.%I SET (%s) = (SELECT %s FROM jsonb_populate_record(NULL::erp.%I, $1)) WHERE id = $2',
                   p_table, v_list, v_list, p_table)
       USING p_values, p_id;
    RETURN p_id;
END $$;

-- Customers and suppliers: a record that looks like another one (same name once the company form is taken
-- off, or same phone) is refused with ER008 and the candidates (duplicates.sql) unless the person confirmed it
-- is a different company (p_allow_duplicate). A second record with the same tax id is refused always.
CREATE OR REPLACE FUNCTION erp.save_customer(p_id bigint, p_version integer, p_values jsonb,
                                             p_allow_duplicate boolean DEFAULT false) RETURNS bigint
LANGUAGE sql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
    SELECT erp._save_party('customers', p_id, p_version, p_values, p_allow_duplicate)
$$;

CREATE OR REPLACE FUNCTION erp.save_supplier(p_id bigint, p_version integer, p_values jsonb,
                                             p_allow_duplicate boolean DEFAULT false) RETURNS bigint
LANGUAGE sql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
    SELECT erp._save_party('suppliers', p_id, p_version, p_values, p_allow_duplicate)
$$;

-- A customer or supplier saved, then held against the others: a new one by its name and phone, an edited one
-- only by what the edit changed (a form sends every field; a pair confirmed once is not asked about again).
CREATE OR REPLACE FUNCTION erp._save_party(p_table text, p_id bigint, p_version integer, p_values jsonb,
                                           p_allow_duplicate boolean) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
DECLARE
    v_before jsonb;
    v_after jsonb;
    v_id bigint;
BEGIN
    IF p_id IS NOT NULL THEN
        EXECUTE format('SELECT jsonb_build_object(''name'', name, ''phone'', phone) FROM erp.%I WHERE id = $1',
                       p_table) INTO v_before USING p_id;
    END IF;
    v_id := erp._save_master_data(p_table, p_id, p_version, p_values);
    IF NOT coalesce(p_allow_duplicate, false) THEN
        EXECUTE format('SELECT jsonb_build_object(''name'', name, ''phone'', phone) FROM erp.%I WHERE id = $1',
                       p_table) INTO v_after USING v_id;
        PERFORM erp._refuse_likely_duplicates(p_table, v_id, ARRAY(
            SELECT k FROM unnest(ARRAY['name', 'phone']) k
             WHERE v_before IS NULL OR v_before -> k IS DISTINCT FROM v_after -> k));
    END IF;
    RETURN v_id;
END $$;

CREATE OR REPLACE FUNCTION erp.save_product(p_id bigint, p_version integer, p_values jsonb) RETURNS bigint
LANGUAGE sql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
    SELECT erp._save_master_data('products', p_id, p_version, p_values)
$$;

CREATE OR REPLACE FUNCTION erp.save_warehouse(p_id bigint, p_version integer, p_values jsonb) RETURNS bigint
LANGUAGE sql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
    SELECT erp._save_master_data('warehouses', p_id, p_version, p_values)
$$;

CREATE OR REPLACE FUNCTION erp.save_work_centre(p_id bigint, p_version integer, p_values jsonb) RETURNS bigint
LANGUAGE sql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
    SELECT erp._save_master_data('work_centres', p_id, p_version, p_values)
$$;

-- A unit products may be counted in: created with its code and name, or its name or active flag changed.
CREATE OR REPLACE FUNCTION erp.save_unit(p_code text, p_values jsonb) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
DECLARE
    v_code text := btrim(normalize(coalesce(p_code, ''), NFKC));
    v_exists boolean;
BEGIN
    IF v_code = '' THEN
        PERFORM erp.fail_at('code', 'ER001', 'The code of the unit is required.');
    END IF;
    SELECT true INTO v_exists FROM units WHERE code = v_code FOR UPDATE;
    PERFORM erp._check_master_data_write('units', ARRAY(SELECT jsonb_object_keys(coalesce(p_values, '{}'))),
                                         v_exists IS NULL);
    IF v_exists IS NULL THEN
        IF EXISTS (SELECT FROM units WHERE lower(code) = lower(v_code)) THEN
            PERFORM erp.fail_at('code', 'ER001', 'The unit %s already exists.',
                                (SELECT code FROM units WHERE lower(code) = lower(v_code) LIMIT 1));
        END IF;
        IF btrim(coalesce(p_values ->> 'name', '')) = '' THEN
            PERFORM erp.fail_at('name', 'ER001', 'The name of the unit is required.');
        END IF;
        INSERT INTO units (code, name, active)
        VALUES (v_code, btrim(p_values ->> 'name'), coalesce((p_values ->> 'active')::boolean, true));
    ELSE
        UPDATE units SET name = coalesce(nullif(btrim(p_values ->> 'name'), ''), name),
                         active = coalesce((p_values ->> 'active')::boolean, active)
         WHERE code = v_code;
    END IF;
    RETURN v_code;
END $$;

-- Deletes a master-data record nothing refers to (orders, lines, moves, bills of materials, products'
-- default supplier...); one that is in use is refused with what uses it: deactivate it instead. Whoever may
-- create records of the table may delete them.
CREATE OR REPLACE FUNCTION erp.delete_master_record(p_table text, p_id bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
DECLARE
    v_key text := CASE p_table WHEN 'products' THEN 'sku' ELSE 'code' END;
    v_label text;
    v_fk record;
    v_count bigint;
    v_uses text[] := '{}';
BEGIN
    IF p_table IS NULL OR p_table NOT IN ('customers', 'suppliers', 'products', 'warehouses', 'work_centres') THEN
        PERFORM erp.fail_at('table', 'ER001', 'Only customers, suppliers, products, warehouses and work centres '
                                              'can be deleted here.');
    END IF;
    PERFORM erp._check_master_data_write(p_table, ARRAY[v_key], true);
    EXECUTE format('SELECT %I FROM erp.%I WHERE id = $1 FOR UPDATE', v_key, p_table) INTO v_label USING p_id;
    IF v_label IS NULL THEN
        PERFORM erp.fail('ER002', '%s #%s does not exist.', initcap(replace(rtrim(p_table, 's'), '_', ' ')),
                         coalesce(p_id::text, '?'));
    END IF;
    -- every foreign key that points at the table, except a made product's own bill of materials (deleted with it)
    FOR v_fk IN
        SELECT c.conrelid::regclass AS referencing, a.attname AS column_name, cl.relname
          FROM pg_constraint c
          JOIN pg_class cl ON cl.oid = c.conrelid
          JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
         WHERE c.contype = 'f' AND c.confrelid = format('erp.%I', p_table)::regclass
           AND c.confdeltype <> 'c'
         ORDER BY cl.relname, a.attname
    LOOP
        IF v_fk.relname = 'stock_levels' THEN
            -- an empty stock level without moves is no use of the record: it goes with it
            EXECUTE format('SELECT count(*) FROM stock_levels l WHERE l.%I = $1 AND (l.on_hand <> 0 OR l.reserved <> 0'
                           ' OR EXISTS (SELECT FROM stock_moves m WHERE m.product_id = l.product_id'
                           ' AND m.warehouse_id = l.warehouse_id))', v_fk.column_name)
               INTO v_count USING p_id;
        ELSE
            EXECUTE format('SELECT count(*) FROM %s WHERE %I = $1', v_fk.referencing, v_fk.column_name)
               INTO v_count USING p_id;
        END IF;
        IF v_count > 0 THEN
            v_uses := v_uses || format('%s %s', v_count, CASE
                WHEN v_fk.relname = 'products' AND v_fk.column_name = 'default_supplier_id'
                    THEN 'products as their default supplier'
                WHEN v_fk.relname = 'bom_lines' THEN 'bills of materials'
                ELSE replace(v_fk.relname, '_', ' ') END);
        END IF;
    END LOOP;
    IF cardinality(v_uses) > 0 THEN
        PERFORM erp.fail('ER001', '%s is used by %s; deactivate it instead.', v_label,
                         array_to_string(v_uses, ', '));
    END IF;
    IF p_table IN ('products', 'warehouses') THEN
        EXECUTE format('DELETE FROM stock_levels WHERE %I = $1',
                       CASE p_table WHEN 'products' THEN 'product_id' ELSE 'warehouse_id' END) USING p_id;
    END IF;
    EXECUTE format('DELETE FROM erp.%I WHERE id = $1', p_table) USING p_id;
END $$;

-- The one company: created on first save, changed afterwards.
CREATE OR REPLACE FUNCTION erp.save_company(p_values jsonb) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
BEGIN
    IF NOT EXISTS (SELECT FROM company WHERE id = 1) THEN
        PERFORM erp._check_master_data_write('company', ARRAY(SELECT jsonb_object_keys(coalesce(p_values, '{}'))),
                                             true);
        INSERT INTO company (id, name) VALUES (1, coalesce(p_values ->> 'name', ''));
    END IF;
    PERFORM erp._save_master_data('company', 1, NULL, p_values);
END $$;
