use super::*;

fn inv(total: i64, paid: i64, currency: &str) -> InvoiceRecord {
    InvoiceRecord {
        pk: "p".into(),
        sk: "s".into(),
        firm_id: "f".into(),
        client_id: "c".into(),
        invoice_id: "i".into(),
        number: "1".into(),
        issue_date: "2026-11-01".into(),
        due_date: "2026-12-01".into(),
        currency: currency.into(),
        lines: vec![],
        total,
        amount_paid: paid,
        created_at: time::macros::datetime!(2026-11-01 00:00 UTC),
        gsi3pk: None,
        gsi3sk: None,
    }
}

#[test]
fn invoice_totals_are_exact_integer_sums() {
    let input: InvoiceInput = serde_json::from_str(
        r#"{"number":"2026-014","issue_date":"2026-11-01","due_date":"2026-12-01","currency":"usd","lines":[{"description":"Tax return","quantity":1,"unit_amount":45000},{"description":"Schedule C","quantity":3,"unit_amount":3333}]}"#,
    )
    .unwrap();
    let (_, _, _, currency, lines, total) = plan_invoice(input).unwrap();
    assert_eq!((currency.as_str(), lines.len(), total), ("USD", 2, 45000 + 9999));
}

#[test]
fn invoice_input_errors_name_the_line() {
    let input: InvoiceInput = serde_json::from_str(
        r#"{"number":"","issue_date":"2026-12-02","due_date":"2026-12-01","currency":"dollars","lines":[{"description":"x","unit_amount":-5}]}"#,
    )
    .unwrap();
    let Err(Error::Validation(errs)) = plan_invoice(input) else { panic!() };
    assert_eq!(errs.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(), ["number", "due_date", "currency", "lines[0].unit_amount"]);
}

#[test]
fn payments_never_exceed_what_is_due() {
    assert_eq!(check_payment(&inv(1000, 400, "USD"), Some(600)).unwrap(), 600);
    assert!(check_payment(&inv(1000, 400, "USD"), Some(601)).unwrap_err().public_detail().contains("600 still due"));
    assert!(check_payment(&inv(1000, 0, "USD"), Some(0)).is_err());
    assert!(matches!(check_payment(&inv(1000, 1000, "USD"), Some(1)), Err(Error::Conflict(_))));
}

#[test]
fn balance_is_what_is_still_due_on_the_open_invoices_per_currency() {
    // 45000 with 10001 paid, 9999 unpaid, and a EUR invoice paid in full: 44998 USD due, and
    // no EUR line (nothing is due in EUR).
    let b = balances(&[inv(45000, 10001, "USD"), inv(9999, 0, "USD"), inv(500, 500, "EUR")]);
    assert_eq!(b, vec![Balance { currency: "USD".into(), amount: 44998 }]);
    assert!(balances(&[]).is_empty());
}

#[test]
fn an_invoice_is_open_work_until_paid_in_full() {
    let open = inv(1000, 999, "USD").with_open_keys();
    assert_eq!((open.gsi3pk.as_deref(), open.gsi3sk.as_deref()), (Some("CLIENT#c#OPEN"), Some("s")));
    let paid = InvoiceRecord { gsi3pk: Some("stale".into()), gsi3sk: Some("stale".into()), ..inv(1000, 1000, "USD") }.with_open_keys();
    assert_eq!((paid.gsi3pk.as_deref(), paid.gsi3sk.as_deref()), (None, None));
    // and the attributes are absent from the stored item, so it leaves the sparse index
    let item = crate::store::to_item(&paid).unwrap();
    assert!(!item.contains_key("GSI3PK") && !item.contains_key("GSI3SK"));
}

#[test]
fn invoice_views_say_paid_overdue_or_open() {
    assert_eq!(InvoiceView::new(&inv(100, 100, "USD"), "2027-01-01").status, "paid");
    assert_eq!(InvoiceView::new(&inv(100, 0, "USD"), "2027-01-01").status, "overdue");
    assert_eq!(InvoiceView::new(&inv(100, 0, "USD"), "2026-11-15").status, "open");
}

#[test]
fn online_payments_need_billing_and_a_provider() {
    let on = BillingSettings { billing_enabled: true, online_payments_enabled: true };
    assert!(check_billing_settings(&on, true).is_ok());
    let e = check_billing_settings(&on, false).unwrap_err();
    assert_eq!(e.status_code(), 409);
    assert!(e.public_detail().contains("no payment provider"), "{}", e.public_detail());
    let Err(Error::Validation(errs)) = check_billing_settings(&BillingSettings { billing_enabled: false, online_payments_enabled: true }, true) else {
        panic!()
    };
    assert_eq!(errs[0].field, "online_payments_enabled");
    // Turning things off never needs a provider.
    assert!(check_billing_settings(&BillingSettings { billing_enabled: true, online_payments_enabled: false }, false).is_ok());
    assert!(check_billing_settings(&BillingSettings { billing_enabled: false, online_payments_enabled: false }, false).is_ok());
}

#[test]
fn pay_now_is_offered_only_with_a_provider() {
    assert!(online_payments_offered(true, true));
    assert!(!online_payments_offered(true, false), "a firm with online payments on, on a stage without a provider");
    assert!(!online_payments_offered(false, true));
    assert!(provider_for(Some("test")).is_some() && provider_for(None).is_none());
}
