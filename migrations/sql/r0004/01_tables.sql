-- Data standards at entry (server_db/masterdata/sql/standards.sql holds the rules themselves).
SET search_path = erp, pg_catalog;

-- The units a product is counted in. A product's unit must be an active row here; the list starts with the
-- common units and every unit the products already use, so no existing product breaks the rule.
CREATE TABLE units (
    code text NOT NULL,
    name text NOT NULL,
    active boolean NOT NULL DEFAULT true,
    CONSTRAINT pk_units PRIMARY KEY (code),
    CONSTRAINT ck_units_code_not_blank CHECK (btrim(code) <> '' AND length(code) <= 16),
    CONSTRAINT ck_units_name_not_blank CHECK (btrim(name) <> '' AND length(name) <= 100)
);
ALTER TABLE units OWNER TO erp_owner;

INSERT INTO units (code, name) VALUES
    ('pcs', '个 piece'), ('set', '套 set'), ('pair', '双 pair'), ('box', '盒 box'), ('carton', '箱 carton'),
    ('pack', '包 pack'), ('bag', '袋 bag'), ('bottle', '瓶 bottle'), ('roll', '卷 roll'), ('sheet', '张 sheet'),
    ('kg', '千克 kilogram'), ('g', '克 gram'), ('t', '吨 tonne'), ('m', '米 metre'), ('cm', '厘米 centimetre'),
    ('mm', '毫米 millimetre'), ('m2', '平方米 square metre'), ('m3', '立方米 cubic metre'), ('l', '升 litre'),
    ('ml', '毫升 millilitre'), ('h', '小时 hour'), ('day', '天 day'), ('unit', '台 unit'), ('piece', '件 piece'),
    ('dozen', '打 dozen'), ('barrel', '桶 barrel'), ('can', '罐 can'), ('reel', '盘 reel'), ('lot', '批 lot');
INSERT INTO units (code, name)
SELECT DISTINCT unit, unit FROM products
ON CONFLICT (code) DO NOTHING;

ALTER TABLE customers ADD COLUMN postcode text NOT NULL DEFAULT '';
ALTER TABLE suppliers ADD COLUMN postcode text NOT NULL DEFAULT '';
ALTER TABLE warehouses ADD COLUMN active boolean NOT NULL DEFAULT true,
                       ADD COLUMN version integer NOT NULL DEFAULT 1;
ALTER TABLE work_centres ADD COLUMN active boolean NOT NULL DEFAULT true,
                         ADD COLUMN version integer NOT NULL DEFAULT 1;

-- What the likely-duplicate check looks up (erp.likely_duplicates): same tax id, same name key, same phone key.
CREATE INDEX ix_customers_tax_id ON customers (tax_id);
CREATE INDEX ix_customers_name_key ON customers (erp.name_key(name));
CREATE INDEX ix_customers_phone_key ON customers (erp.phone_key(phone));
CREATE INDEX ix_suppliers_tax_id ON suppliers (tax_id);
CREATE INDEX ix_suppliers_name_key ON suppliers (erp.name_key(name));
CREATE INDEX ix_suppliers_phone_key ON suppliers (erp.phone_key(phone));

-- The transactions writing an import right now (server_db/transfer): while its row is here, per-row events are
-- replaced by one event per import. Only the import functions (as the schema's owner) write it, so a person
-- cannot silence the events of their own edits by setting erp.importing.
CREATE TABLE import_transactions (
    xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
    CONSTRAINT pk_import_transactions PRIMARY KEY (xid)
);
ALTER TABLE import_transactions OWNER TO erp_owner;
