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
         '{code,name,address,delivery_address,contact,phone,email,tax_id,active}'::text[],
         '{name,address,delivery_address,contact,phone,email,tax_id,active}'::text[]),
        ('finance', 'customers', '{}', '{credit_limit,payment_terms_days}'),
        ('purchasing', 'suppliers',
         '{code,name,address,contact,phone,email,tax_id,lead_time_days,active}',
         '{name,address,contact,phone,email,tax_id,lead_time_days,active}'),
        ('admin', 'company',
         '{name,address,tax_id,phone,email,bank_account,logo_png,currency}',
         '{name,address,tax_id,phone,email,bank_account,logo_png,currency}'),
        ('admin', 'customers',
         '{code,name,address,delivery_address,contact,phone,email,tax_id,payment_terms_days,credit_limit,active}',
         '{code,name,address,delivery_address,contact,phone,email,tax_id,payment_terms_days,credit_limit,active}'),
        ('admin', 'suppliers',
         '{code,name,address,contact,phone,email,tax_id,lead_time_days,active}',
         '{code,name,address,contact,phone,email,tax_id,lead_time_days,active}'),
        ('admin', 'warehouses', '{code,name,address}', '{code,name,address}'),
        ('admin', 'work_centres', '{code,name,daily_capacity_hours}', '{code,name,daily_capacity_hours}'),
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

CREATE OR REPLACE FUNCTION erp.save_customer(p_id bigint, p_version integer, p_values jsonb) RETURNS bigint
LANGUAGE sql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
    SELECT erp._save_master_data('customers', p_id, p_version, p_values)
$$;

CREATE OR REPLACE FUNCTION erp.save_supplier(p_id bigint, p_version integer, p_values jsonb) RETURNS bigint
LANGUAGE sql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
    SELECT erp._save_master_data('suppliers', p_id, p_version, p_values)
$$;

CREATE OR REPLACE FUNCTION erp.save_product(p_id bigint, p_version integer, p_values jsonb) RETURNS bigint
LANGUAGE sql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
    SELECT erp._save_master_data('products', p_id, p_version, p_values)
$$;

CREATE OR REPLACE FUNCTION erp.save_warehouse(p_id bigint, p_values jsonb) RETURNS bigint
LANGUAGE sql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
    SELECT erp._save_master_data('warehouses', p_id, NULL, p_values)
$$;

CREATE OR REPLACE FUNCTION erp.save_work_centre(p_id bigint, p_values jsonb) RETURNS bigint
LANGUAGE sql SECURITY DEFINER SET search_path = erp, pg_temp AS $$
    SELECT erp._save_master_data('work_centres', p_id, NULL, p_values)
$$;

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
