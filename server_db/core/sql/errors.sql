-- Refusals. Domain errors carry SQLSTATE class ER so the client shows the sentence as it is:
--   ER001 rule broken or bad input   ER002 not found        ER003 illegal state change
--   ER004 credit limit               ER005 not enough stock ER006 changed by someone else
--   ER007 not this department's duty
CREATE OR REPLACE FUNCTION erp.fail(code text, message text, VARIADIC args text[] DEFAULT '{}') RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING ERRCODE = code, MESSAGE = format(message, VARIADIC args);
END $$;

-- The same, naming the field the person must correct ('customer', 'requested_date', 'lines[2].unit_price'):
-- it travels as the error's column name, and the client marks that field.
CREATE OR REPLACE FUNCTION erp.fail_at(field text, code text, message text, VARIADIC args text[] DEFAULT '{}')
RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING ERRCODE = code, MESSAGE = format(message, VARIADIC args), COLUMN = field;
END $$;

-- The opening guards of every workflow step. First: the document exists...
CREATE OR REPLACE FUNCTION erp.require_found(p_found boolean, p_document_type text, p_id bigint) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT coalesce(p_found, false) THEN
        PERFORM erp.fail('ER002', '%s #%s does not exist.', erp.document_label(p_document_type),
                         coalesce(p_id::text, '?'));
    END IF;
END $$;

-- ...then: it is in one of the states the step starts from. `p_why` ends the sentence "<Document> <number>
-- is <state>" ('; only picked goods can be shipped.'); without it the sentence is "... is already <state>."
CREATE OR REPLACE FUNCTION erp.require_state(p_document_type text, p_number text, p_state text, p_allowed text[],
                                             p_why text DEFAULT NULL) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF p_state IS NULL OR NOT p_state = ANY (p_allowed) THEN
        IF p_why IS NULL THEN
            PERFORM erp.fail('ER003', '%s %s is already %s.', erp.document_label(p_document_type), p_number,
                             erp.state_label(p_state));
        END IF;
        PERFORM erp.fail('ER003', '%s %s is %s%s', erp.document_label(p_document_type), p_number,
                         erp.state_label(p_state), p_why);
    END IF;
END $$;

-- ...and, for an edit, nobody else saved it since the person read it (the optimistic version check).
CREATE OR REPLACE FUNCTION erp.require_version(p_document_type text, p_number text, p_version integer,
                                               p_expected integer) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF p_version IS DISTINCT FROM p_expected THEN
        PERFORM erp.fail('ER006', '%s %s was changed by someone else since you opened it; reload it to see their '
                                  'changes, then make yours again.', erp.document_label(p_document_type), p_number);
    END IF;
END $$;

-- A trigger that refuses every change; TG_ARGV[0] is the sentence to show.
CREATE OR REPLACE FUNCTION erp.refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM erp.fail('ER001', TG_ARGV[0]);
    RETURN NULL;
END $$;
