//! Every staff-only operation refuses a contact, and every contact-only operation refuses
//! staff, by itself — before it reads or writes anything. The store and ports here point at
//! a closed port: an operation that reached them would fail with a 500, not the 403 these
//! tests expect.

use serde_json::json;

use crate::error::Error;
use crate::ops::access::Viewer;
use crate::ops::audit::Origin;
use crate::ops::{billing, files, requests, signatures};
use crate::ports::blobs::S3Blobs;
use crate::ports::mail::{Outbox, SesMailer};
use crate::sdk::LazySdk;
use crate::store::{ActorRef, Store};

fn offline() -> (Store, S3Blobs, SesMailer) {
    let sdk = aws_config::SdkConfig::builder()
        .behavior_version(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .endpoint_url("http://127.0.0.1:9")
        .build();
    let store = Store::new(aws_sdk_dynamodb::Client::new(&sdk), "offline");
    let lazy = LazySdk::ready(sdk);
    (store, S3Blobs::new(lazy.clone(), "offline".into()), SesMailer::new(lazy, None))
}

fn contact() -> Viewer {
    Viewer::Contact { contact_id: "k1".into(), firm_id: "f1".into(), name: "Ana Lima".into() }
}

fn staff() -> Viewer {
    Viewer::Staff { sub: "s1".into(), firm_id: "f1".into(), name: "Sam".into(), archived: false }
}

fn by() -> ActorRef {
    ActorRef { kind: "contact".into(), id: "k1".into(), name: "Ana Lima".into() }
}

fn input<T: serde::de::DeserializeOwned>(v: serde_json::Value) -> T {
    serde_json::from_value(v).expect("test input")
}

fn forbidden<T: std::fmt::Debug>(what: &str, r: crate::error::Result<T>) {
    assert!(matches!(r, Err(Error::Forbidden(_))), "{what}: {r:?}");
}

#[tokio::test]
async fn staff_only_operations_refuse_a_contact_themselves() {
    let (store, blobs, mailer) = offline();
    let outbox = Outbox { mailer: &mailer, web_origin: "http://portal" };
    let (c, o) = (contact(), Origin::default());
    forbidden("create a request", requests::create(&store, &c, by(), "c1", input(json!({}))).await);
    forbidden("complete a request", requests::change_status(&store, &c, by(), "c1", "r1", "complete", input(json!({}))).await);
    forbidden("reopen a request", requests::change_status(&store, &c, by(), "c1", "r1", "reopen", input(json!({}))).await);
    forbidden("create an invoice", billing::create_invoice(&store, &c, "c1", input(json!({}))).await);
    forbidden("record a payment", billing::record_payment(&store, &c, "c1", "i1", input(json!({"amount": 100}))).await);
    forbidden("share a file", files::set_sharing(&store, &c, "c1", "f1", input(json!({"all": true})), &o).await);
    forbidden("send for signature", signatures::send(&store, &blobs, &outbox, &c, "c1", input(json!({})), &o).await);
    forbidden("verify a form", signatures::verify(&store, &blobs, &c, "c1", "form1").await);
}

#[tokio::test]
async fn contact_only_operations_refuse_staff_themselves() {
    let (store, blobs, _) = offline();
    let (s, o) = (staff(), Origin::default());
    forbidden("answer a request", requests::respond(&store, &s, by(), "c1", "r1", input(json!({}))).await);
    forbidden("mark a request done", requests::change_status(&store, &s, by(), "c1", "r1", "submit", input(json!({}))).await);
    forbidden("sign", signatures::sign(&store, &blobs, &s, "c1", "form1", input(json!({})), &o).await);
    forbidden("decline", signatures::decline(&store, &s, "c1", "form1", input(json!({})), &o).await);
    forbidden("pay online", billing::pay_online(&store, &s, "c1", "i1", None, &billing::TestProvider).await);
}
