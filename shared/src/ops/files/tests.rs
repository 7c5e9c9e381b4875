use super::*;

fn file(ct: &str, size: u64) -> FileRecord {
    let t = time::macros::datetime!(2026-11-28 00:00 UTC);
    FileRecord {
        pk: "p".into(),
        sk: "s".into(),
        firm_id: "f".into(),
        client_id: "c".into(),
        file_id: "x".into(),
        name: "a.pdf".into(),
        content_type: ct.into(),
        size,
        s3_key: "k".into(),
        status: FileStatus::Available,
        uploaded_by: ActorRef { kind: "contact".into(), id: "k1".into(), name: "A".into() },
        upload_ip: None,
        upload_user_agent: None,
        created_at: t,
        available_at: None,
        rejected_reason: None,
        etag: None,
        upload_version: None,
        stored_version: None,
        shared_with_all: false,
        shared_with: vec!["k2".into()],
        request_id: None,
        expires_at: None,
    }
}

#[test]
fn names_lose_paths_and_dangerous_characters() {
    assert_eq!(clean_name("../../etc/passwd").unwrap(), "passwd");
    assert_eq!(clean_name("C:\\Users\\ana\\2026 W-2.pdf").unwrap(), "2026 W-2.pdf");
    assert_eq!(clean_name("bad\"name<>.pdf\n").unwrap(), "badname.pdf");
    assert!(clean_name("   ").is_err());
    assert!(clean_name("folder/").is_err());
    assert_eq!(clean_name(&"x".repeat(300)).unwrap().len(), 200);
}

#[test]
fn uploads_are_checked_against_limits_and_types() {
    let ok = check_upload(Some("return.pdf"), Some(1_000_000), Some("application/pdf; charset=binary"), None).unwrap();
    assert_eq!(ok.content_type, "application/pdf");
    let Err(Error::Validation(errs)) = check_upload(None, Some(0), Some("application/x-msdownload"), None) else { panic!() };
    assert_eq!(errs.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(), ["name", "size", "content_type"]);
    assert!(check_upload(Some("a.pdf"), Some(MAX_UPLOAD_BYTES + 1), Some("application/pdf"), None).is_err());
    let e = check_upload(Some("a.pdf"), Some(2_000_000), Some("application/pdf"), Some(1_048_576)).unwrap_err();
    assert!(e.public_detail().contains("1.0 MB"), "{}", e.public_detail());
}

#[test]
fn a_type_is_decided_by_the_declaration_and_the_name_together() {
    // Windows with Excel installed declares every .csv as an Excel workbook: it is a CSV,
    // and the upload URL signs, the record keeps and file-events checks text/csv.
    let win = check_upload(Some("Q1 bank export.CSV"), Some(10), Some("application/vnd.ms-excel"), None).unwrap();
    assert_eq!(win.content_type, "text/csv");
    assert_eq!(decide_type("export.csv", "text/plain"), Some("text/csv"));
    assert_eq!(decide_type("export.csv", "text/csv; charset=utf-8"), Some("text/csv"));
    assert_eq!(decide_type("archive.zip", "application/x-zip-compressed"), Some("application/zip"));
    // no declared type (the browser knew none): the name decides
    assert_eq!(decide_type("IMG_0042.HEIC", "application/octet-stream"), Some("image/heic"));
    // an Excel name stays Excel; a declared accepted type stands (its bytes are checked)
    assert_eq!(decide_type("ledger.xls", "application/vnd.ms-excel"), Some("application/vnd.ms-excel"));
    assert_eq!(decide_type("ledger", "application/vnd.ms-excel"), Some("application/vnd.ms-excel"));
    assert_eq!(decide_type("scan.pdf", "image/png"), Some("image/png"));
    // a name makes no refused type acceptable, and an unknown name with no type is refused
    assert_eq!(decide_type("setup.csv", "application/x-msdownload"), None);
    assert_eq!(decide_type("data.bin", "application/octet-stream"), None);
    assert_eq!(decide_type("notes", "application/octet-stream"), None);
    let Err(Error::Validation(errs)) = check_upload(Some("data.bin"), Some(10), Some("application/octet-stream"), None) else { panic!() };
    assert_eq!(errs.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(), ["content_type"]);
    assert!(errs[0].message.contains("CSV"), "{}", errs[0].message);
    // and the content still decides: a real (OLE) Excel workbook named .csv is no CSV
    assert!(!sniff_matches("text/csv", &[0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0]));
}

#[test]
fn the_file_inputs_accept_every_extension_and_type_once() {
    let accept = accept_attribute();
    let parts: Vec<&str> = accept.split(',').collect();
    assert!(parts.contains(&".csv") && parts.contains(&"text/csv") && parts.contains(&".xlsx"), "{accept}");
    let mut unique = parts.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), parts.len(), "an extension names one type: {accept}");
    assert_eq!(parts.len(), FILE_TYPES.iter().map(|t| t.extensions.len() + 1).sum::<usize>());
}

#[test]
fn upload_keys_and_stored_keys_never_stand_for_each_other() {
    let (firm, c, f) = (domain::new_id(), domain::new_id(), domain::new_id());
    let upload = upload_key(&firm, &c, &f);
    let stored = stored_key(&firm, &c, &f);
    assert_eq!(upload, format!("uploads/firms/{firm}/clients/{c}/files/{f}"));
    assert_eq!(stored, format!("firms/{firm}/clients/{c}/files/{f}"));
    assert_eq!(parse_upload_key(&upload), Some((firm.clone(), c.clone(), f.clone())));
    // an approved object's key is never taken for an upload (file-events ignores it)...
    assert_eq!(parse_upload_key(&stored), None);
    // ...and no upload key is a stored key: an upload URL cannot write what people download
    assert!(!upload.starts_with("firms/") && stored.starts_with("firms/") && !stored.starts_with(UPLOAD_PREFIX));
    assert_eq!(parse_upload_key(&format!("uploads/{upload}")), None);
    assert_eq!(parse_upload_key(&format!("{upload}/x")), None);
    assert_eq!(parse_upload_key(&format!("uploads/firms/{firm}/clients/../files/{f}")), None);
    assert_eq!(parse_upload_key(&format!("uploads/firms/x/clients/{c}/files/{f}")), None);
    assert_eq!(parse_upload_key("uploads/evil.pdf"), None);
}

#[test]
fn the_landed_object_must_match_the_declaration() {
    let f = file("application/pdf", 10);
    assert_eq!(judge(&f, 10, "application/pdf", b"%PDF-1.7\n"), Confirmation::Available);
    assert!(matches!(judge(&f, 11, "application/pdf", b"%PDF-1.7\n"), Confirmation::Rejected(r) if r.contains("11 bytes")));
    assert!(matches!(judge(&f, 10, "image/png", b"%PDF-1.7\n"), Confirmation::Rejected(_)));
    assert!(matches!(judge(&f, 10, "application/pdf", b"MZ\x90\0"), Confirmation::Rejected(r) if r.contains("contents")));
    assert!(sniff_matches("text/csv", b"a,b\n1,2\n"));
    assert!(!sniff_matches("text/csv", b"a\0b"));
    assert!(sniff_matches("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", b"PK\x03\x04rest"));
}

#[test]
fn contacts_see_only_what_is_theirs_or_shared_with_them() {
    let f = file("application/pdf", 10);
    let contact = |id: &str| Viewer::Contact { contact_id: id.into(), firm_id: "f".into(), name: "n".into() };
    assert!(visible_to(&f, &Viewer::Staff { sub: "s".into(), firm_id: "f".into(), name: "S".into(), archived: false }));
    assert!(visible_to(&f, &contact("k1")), "the uploader");
    assert!(visible_to(&f, &contact("k2")), "shared with");
    assert!(!visible_to(&f, &contact("k3")), "another contact");
    let mut all = f.clone();
    all.shared_with_all = true;
    assert!(visible_to(&all, &contact("k3")));
    let mut pending = all.clone();
    pending.status = FileStatus::Pending;
    assert!(!visible_to(&pending, &contact("k3")), "not before it is available");
    assert!(visible_to(&pending, &contact("k1")), "the uploader sees their pending upload");
}

#[test]
fn download_names_survive_any_characters() {
    assert_eq!(content_disposition("W-2 (2026).pdf"), "attachment; filename=\"W-2 (2026).pdf\"; filename*=UTF-8''W-2%20%282026%29.pdf");
    assert_eq!(content_disposition("Åsa.pdf"), "attachment; filename=\"_sa.pdf\"; filename*=UTF-8''%C3%85sa.pdf");
}
