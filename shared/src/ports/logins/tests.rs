use super::*;

#[test]
fn sign_in_input_names_missing_fields() {
    let Err(Error::Validation(errs)) = SignInInput { email: Some("x".into()), password: None }.parse() else { panic!() };
    assert_eq!(errs.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(), ["email", "password"]);
    let (e, p) = SignInInput { email: Some(" Staff@Example.com".into()), password: Some("pw".into()) }.parse().unwrap();
    assert_eq!((e.as_str(), p.as_str()), ("staff@example.com", "pw"));
}

#[test]
fn mfa_answers_are_checked() {
    let ok = MfaInput { email: Some("a@example.com".into()), session: Some("s".into()), code: Some("123 456".into()), challenge: Some("mfa_setup".into()) };
    assert_eq!(
        ok.parse().unwrap(),
        MfaAnswer { email: EmailAddress::parse("email", "a@example.com").unwrap(), session: "s".into(), code: "123456".into(), setup: true }
    );
    let Err(Error::Validation(errs)) = MfaInput { email: None, session: None, code: Some("12345a".into()), challenge: Some("sms".into()) }.parse() else {
        panic!()
    };
    assert_eq!(errs.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(), ["email", "session", "code", "challenge"]);
    assert!(parse_code(Some("1234567")).is_err());
}

#[test]
fn the_otpauth_uri_is_what_authenticator_apps_read() {
    assert_eq!(
        otpauth_uri("ana+tax@example.com", "JBSWY3DPEHPK3PXP"),
        "otpauth://totp/Client%20Portal:ana%2Btax%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=Client%20Portal"
    );
}
