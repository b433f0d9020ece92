-- The payment write path on PostgreSQL, in one round trip (ADR 0008).
--
-- It does exactly what kuwwa.collection.services._create does through the ORM, in the same
-- lock order (account -> its open bills -> shift -> receipt counter -> audit chain head):
-- allocate, post to both companies' ledgers, issue the receipt, queue the SMS and append the
-- audit event (hash computed over the same canonical JSON as kuwwa.core.audit.event_hash).
-- Refusals are RAISEd with the error code as the message and the parameter as the detail;
-- kuwwa.collection.sqlpath turns them back into the same ApplicationErrors
-- (kuwwa.collection.errors.payment_refusal).
-- The ledger accounts' ids come from the caller (kuwwa.ledger.services caches them); the
-- receipt's Ed25519 signature is made when the receipt is printed.
--
-- Changing this file needs a migration that applies it again (see collection/0003).

CREATE OR REPLACE FUNCTION kuwwa_json(p_text text) RETURNS text
LANGUAGE sql STABLE AS $fn$ SELECT to_json(p_text)::text $fn$;

DROP FUNCTION IF EXISTS kuwwa_payment_post;  -- a new signature would otherwise add an overload
CREATE FUNCTION kuwwa_payment_post(
    p_collector_id bigint,
    p_collector_code text,
    p_center_id bigint,
    p_center_code text,
    p_channel text,
    p_tender text,
    p_reference text,
    p_request_hash text,
    p_account_number text,
    p_amount bigint,
    p_bill_number text,
    p_to_credit boolean,
    p_shift_id bigint,
    p_cashier_id bigint,
    p_partner_id bigint,
    p_actor_label text,
    p_now timestamptz,
    p_now_iso text,
    p_business_date date,
    p_owner_id bigint,
    p_cash_id bigint,
    p_due_to_id bigint,
    p_due_from_id bigint,
    p_receivable_id bigint,
    p_credit_id bigint,
    p_sms_template text,
    p_sms_status text,
    p_sms_attempts int,
    p_sms_reference text,
    p_audit_stream text
) RETURNS jsonb LANGUAGE plpgsql
-- Plan each statement once per connection: the statements' costs do not depend on the values,
-- and a custom plan per call (what PostgreSQL would otherwise choose for some) costs more
-- than the statement itself.
SET plan_cache_mode = force_generic_plan
AS $fn$
DECLARE
    v_found record;
    v_account record;
    v_company record;
    v_named record;
    v_named_id bigint;
    v_shift record;
    v_bill record;
    v_open_ids bigint[] := '{}';
    v_open_numbers text[] := '{}';
    v_open_out bigint[] := '{}';
    i int;
    v_pass int;
    v_due bigint := 0;
    v_least bigint;
    v_left bigint;
    v_take bigint;
    v_allocated bigint := 0;
    v_bill_ids bigint[] := '{}';
    v_amounts bigint[] := '{}';
    v_numbers text[] := '{}';
    v_seq bigint;
    v_year int := extract(year FROM p_now AT TIME ZONE 'UTC')::int;
    v_counter text;
    v_number text;
    v_payment_id bigint;
    v_receipt_id bigint;
    v_entry_id bigint;
    v_owner_entry_id bigint;
    v_head record;
    v_data text;
    v_digest text;
    v_sms_id bigint;
    v_to_credit bigint;
BEGIN
    -- Idempotency: the same reference was applied before; the caller compares the content.
    SELECT id, request_hash INTO v_found FROM collection_receipt
    WHERE company_id = p_collector_id AND channel = p_channel AND client_reference = p_reference;
    IF FOUND THEN
        RETURN jsonb_build_object('replay', v_found.id);
    END IF;

    SELECT id, company_id, status, number, phone INTO v_account FROM accounts_account
    WHERE number = p_account_number FOR UPDATE;
    IF NOT FOUND OR v_account.company_id <> p_owner_id THEN
        RAISE EXCEPTION 'ACCOUNT_NOT_FOUND';
    END IF;
    IF v_account.status = 'closed' THEN
        RAISE EXCEPTION 'ACCOUNT_CLOSED';
    END IF;
    SELECT * INTO v_company FROM organizations_company WHERE id = v_account.company_id;

    -- Lock the open bills, oldest first, and keep them for the allocation.
    FOR v_bill IN
        SELECT b.id, b.number, greatest(b.total + b.adjusted - b.paid, 0) AS outstanding
        FROM billing_bill b JOIN billing_billingcycle c ON c.id = b.cycle_id
        WHERE b.account_id = v_account.id AND b.status IN ('open', 'partly_paid') AND b.total > 0
        ORDER BY c.period_start, b.id
        FOR UPDATE OF b
    LOOP
        v_open_ids := v_open_ids || v_bill.id;
        v_open_numbers := v_open_numbers || v_bill.number::text;
        v_open_out := v_open_out || v_bill.outstanding;
    END LOOP;

    IF p_bill_number IS NOT NULL AND p_bill_number <> '' THEN
        SELECT id, status, total, adjusted, paid INTO v_named FROM billing_bill
        WHERE account_id = v_account.id AND number = p_bill_number LIMIT 1;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'BILL_NOT_FOUND';
        END IF;
        IF v_named.status = 'cancelled' THEN
            RAISE EXCEPTION 'BILL_CANCELLED';
        END IF;
        IF v_named.status = 'paid' AND NOT p_to_credit THEN
            RAISE EXCEPTION 'BILL_ALREADY_PAID';
        END IF;
        v_named_id := v_named.id;
    END IF;

    IF NOT p_to_credit THEN
        FOR i IN 1 .. coalesce(array_length(v_open_ids, 1), 0) LOOP
            IF v_named_id IS NULL OR v_open_ids[i] = v_named_id THEN
                v_due := v_due + v_open_out[i];
            END IF;
        END LOOP;
        IF v_due = 0 THEN
            RAISE EXCEPTION 'NOTHING_DUE';
        END IF;
        IF v_company.payment_policy = 'exact' AND p_amount <> v_due THEN
            RAISE EXCEPTION 'AMOUNT_EXACT' USING DETAIL = v_due::text;
        END IF;
        IF v_company.payment_policy = 'minimum' THEN
            v_least := least(v_company.payment_minimum, v_due);
            IF p_amount < v_least THEN
                RAISE EXCEPTION 'AMOUNT_MINIMUM' USING DETAIL = v_least::text;
            END IF;
        END IF;
        -- The named bill first (pass 1), then the oldest open bills (pass 2).
        v_left := p_amount;
        FOR v_pass IN 1 .. 2 LOOP
            FOR i IN 1 .. coalesce(array_length(v_open_ids, 1), 0) LOOP
                EXIT WHEN v_left = 0;
                CONTINUE WHEN (v_pass = 1) <> coalesce(v_open_ids[i] = v_named_id, false);
                v_take := least(v_open_out[i], v_left);
                IF v_take > 0 THEN
                    v_bill_ids := v_bill_ids || v_open_ids[i];
                    v_amounts := v_amounts || v_take;
                    v_numbers := v_numbers || v_open_numbers[i];
                    v_left := v_left - v_take;
                END IF;
            END LOOP;
        END LOOP;
        v_allocated := p_amount - v_left;
    END IF;
    v_to_credit := p_amount - v_allocated;

    IF p_channel = 'counter' THEN
        SELECT status, center_id, cashier_id INTO v_shift FROM cashiering_shift
        WHERE id = p_shift_id FOR UPDATE;
        IF NOT FOUND OR v_shift.status <> 'open' THEN
            RAISE EXCEPTION 'SHIFT_CLOSED';
        END IF;
        IF v_shift.center_id <> p_center_id
           OR (p_cashier_id IS NOT NULL AND v_shift.cashier_id <> p_cashier_id) THEN
            RAISE EXCEPTION 'SHIFT_OTHER';
        END IF;
    END IF;

    -- Gapless receipt number of the center for the year (kuwwa.core.counters.counter_next).
    v_counter := 'receipt:' || p_center_code || ':' || v_year;
    UPDATE core_counter SET value = value + 1
    WHERE company_id = p_collector_id AND name = v_counter RETURNING value INTO v_seq;
    IF v_seq IS NULL THEN
        INSERT INTO core_counter (company_id, name, value) VALUES (p_collector_id, v_counter, 0)
        ON CONFLICT DO NOTHING;
        UPDATE core_counter SET value = value + 1
        WHERE company_id = p_collector_id AND name = v_counter RETURNING value INTO v_seq;
    END IF;
    v_number := p_collector_code || '-' || p_center_code || '-' || v_year || '-'
        || lpad(v_seq::text, 6, '0');

    INSERT INTO collection_payment (
        company_id, account_id, amount, to_credit, channel, tender, collector_id, center_id,
        partner_id, shift_id, cashier_id, client_reference, receipt_number, business_date,
        received_at, status, reversal_reason, reversal_note
    ) VALUES (
        v_account.company_id, v_account.id, p_amount, v_to_credit, p_channel, p_tender,
        p_collector_id, p_center_id, p_partner_id, p_shift_id, p_cashier_id, p_reference,
        v_number, p_business_date, p_now, 'posted', '', ''
    ) RETURNING id INTO v_payment_id;

    INSERT INTO collection_allocation (company_id, payment_id, bill_id, amount)
    SELECT v_account.company_id, v_payment_id, a.bill_id, a.amount
    FROM unnest(v_bill_ids, v_amounts) AS a(bill_id, amount);

    UPDATE billing_bill b SET
        paid = b.paid + a.amount,
        status = CASE
            WHEN b.status = 'cancelled' THEN b.status
            WHEN b.paid + a.amount >= b.total + b.adjusted THEN 'paid'
            WHEN b.paid + a.amount > 0 THEN 'partly_paid'
            ELSE 'open' END
    FROM unnest(v_bill_ids, v_amounts) AS a(bill_id, amount)
    WHERE b.id = a.bill_id;

    INSERT INTO collection_receipt (
        company_id, center_id, number, year, seq, channel, client_reference, request_hash,
        owner_company_id, payment_id, account_number, amount, issued_at, status, signature
    ) VALUES (
        p_collector_id, p_center_id, v_number, v_year, v_seq, p_channel, p_reference,
        p_request_hash, v_account.company_id, v_payment_id, v_account.number, p_amount, p_now,
        'valid', ''
    ) RETURNING id INTO v_receipt_id;

    -- Ledger (kuwwa.collection.services._post): the collector's cash against the owner's
    -- receivable and credit, through due-to/due-from when the companies differ.
    INSERT INTO ledger_journalentry (
        company_id, business_date, posted_at, kind, memo, source_type, source_id, actor_id
    ) VALUES (
        p_collector_id, p_business_date, p_now, 'payment', 'receipt ' || v_number, 'payment',
        v_payment_id, p_cashier_id
    ) RETURNING id INTO v_entry_id;
    v_owner_entry_id := v_entry_id;
    IF v_account.company_id <> p_collector_id THEN
        INSERT INTO ledger_journalentry (
            company_id, business_date, posted_at, kind, memo, source_type, source_id, actor_id
        ) VALUES (
            v_account.company_id, p_business_date, p_now, 'payment', 'receipt ' || v_number,
            'payment', v_payment_id, p_cashier_id
        ) RETURNING id INTO v_owner_entry_id;
    END IF;
    -- Due-to/due-from lines only between two companies; no zero lines.
    INSERT INTO ledger_posting (company_id, entry_id, ledger_account_id, amount, subscriber_id)
    SELECT line.company_id, line.entry_id, line.account_id, line.amount, line.subscriber_id
    FROM (VALUES
        (p_collector_id, v_entry_id, p_cash_id, p_amount, NULL::bigint, false),
        (p_collector_id, v_entry_id, p_due_to_id, -p_amount, NULL, true),
        (v_account.company_id, v_owner_entry_id, p_due_from_id, p_amount, NULL, true),
        (v_account.company_id, v_owner_entry_id, p_receivable_id, -v_allocated, v_account.id,
         false),
        (v_account.company_id, v_owner_entry_id, p_credit_id, -v_to_credit, v_account.id, false)
    ) AS line(company_id, entry_id, account_id, amount, subscriber_id, between_companies)
    WHERE line.amount <> 0
      AND (NOT line.between_companies OR v_account.company_id <> p_collector_id);

    -- Audit event on the owner's chain of this center's payments (ADR 0009), hashed as
    -- kuwwa.core.audit.event_hash does.
    SELECT id, seq, hash INTO v_head FROM core_auditchain
    WHERE company_id = v_account.company_id AND stream = p_audit_stream FOR UPDATE;
    IF NOT FOUND THEN
        INSERT INTO core_auditchain (company_id, stream, seq, hash)
        VALUES (v_account.company_id, p_audit_stream, 0, repeat('0', 64)) ON CONFLICT DO NOTHING;
        SELECT id, seq, hash INTO v_head FROM core_auditchain
        WHERE company_id = v_account.company_id AND stream = p_audit_stream FOR UPDATE;
    END IF;
    v_data := '{"account":' || kuwwa_json(v_account.number)
        || ',"allocated":{' || coalesce((
            SELECT string_agg(kuwwa_json(n) || ':' || a, ',' ORDER BY n COLLATE "C")
            FROM unnest(v_numbers, v_amounts) AS x(n, a)), '') || '}'
        || ',"amount":' || p_amount
        || ',"channel":' || kuwwa_json(p_channel)
        || ',"collector":' || kuwwa_json(p_collector_code)
        || ',"receipt":' || kuwwa_json(v_number)
        || ',"reference":' || kuwwa_json(p_reference)
        || ',"to_credit":' || v_to_credit || '}';
    v_digest := encode(sha256(convert_to(
        '{"action":"payment.create","actor":' || kuwwa_json(p_actor_label)
        || ',"at":' || kuwwa_json(p_now_iso)
        || ',"company":' || v_account.company_id
        || ',"data":' || v_data
        || ',"id":' || kuwwa_json(v_payment_id::text)
        || ',"prev":' || kuwwa_json(v_head.hash)
        || ',"seq":' || (v_head.seq + 1)
        || ',"stream":' || kuwwa_json(p_audit_stream)
        || ',"type":"collection.payment"}', 'UTF8')), 'hex');
    INSERT INTO core_auditevent (
        company_id, stream, seq, occurred_at, actor_id, actor_label, action, object_type,
        object_id, data, prev_hash, hash
    ) VALUES (
        v_account.company_id, p_audit_stream, v_head.seq + 1, p_now, p_cashier_id,
        p_actor_label, 'payment.create', 'collection.payment', v_payment_id::text,
        v_data::jsonb, v_head.hash, v_digest
    );
    UPDATE core_auditchain SET seq = v_head.seq + 1, hash = v_digest WHERE id = v_head.id;

    IF p_sms_template IS NOT NULL AND btrim(v_account.phone) <> '' THEN
        INSERT INTO core_smsmessage (
            company_id, phone, text, status, attempts, reference, error, created_at
        ) VALUES (
            v_account.company_id, btrim(v_account.phone),
            left(replace(p_sms_template, '{receipt}', v_number), 480),
            p_sms_status, p_sms_attempts, p_sms_reference, '', p_now
        ) RETURNING id INTO v_sms_id;
    END IF;

    RETURN jsonb_build_object(
        'payment', v_payment_id,
        'receipt', v_receipt_id,
        'number', v_number,
        'seq', v_seq,
        'year', v_year,
        'owner', v_account.company_id,
        'owner_code', v_company.code,
        'owner_company', to_jsonb(v_company),
        'account', v_account.id,
        'phone', btrim(v_account.phone),
        'to_credit', v_to_credit,
        'sms', v_sms_id,
        -- What went to which bill, oldest bill first (the named bill may have been paid first).
        'allocations', (
            SELECT coalesce(jsonb_agg(jsonb_build_array(o.number, a.amount) ORDER BY o.i), '[]')
            FROM unnest(v_open_ids, v_open_numbers) WITH ORDINALITY AS o(id, number, i)
            JOIN unnest(v_bill_ids, v_amounts) AS a(id, amount) ON a.id = o.id
        )
    );
END
$fn$;
