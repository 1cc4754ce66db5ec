//! The OK client against its local emulator: a whole publication (text, two pictures, a poll)
//! with the exact topic the emulator keeps, the documented signature vectors, a wrong secret
//! key, every injected fault mapped to the outcome the scheduler acts on, token refresh, the
//! limits the emulator enforces, and no token or key in any error text.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use vestnik::networks::ok::client::{
    self, Auth, Client, Config, FLOOD_WAIT, QUOTA_WAIT, Refresh, Request, TokenPair, TokenStore,
};
use vestnik::networks::ok::emulator::{
    self, Block, Emulator, Fault, TEST_ACCESS_TOKEN, TEST_APPLICATION_ID, TEST_APPLICATION_KEY,
    TEST_APPLICATION_SECRET, TEST_GROUP, Topic, UPLOAD,
};
use vestnik::networks::{PublishError, RateLimits, Secret};
use vestnik::render::publication::{ImageRef, OkCall, OkMedia};

async fn emulator() -> Emulator {
    emulator::start(emulator::Config::default())
        .await
        .expect("the emulator starts")
}

fn config(emu: &Emulator, auth: Auth) -> Config {
    Config {
        base_url: emu.base_url.clone(),
        application_key: TEST_APPLICATION_KEY.to_owned(),
        application_secret_key: Secret::new(TEST_APPLICATION_SECRET),
        auth,
        connect_timeout: Duration::from_secs(2),
        timeout: Duration::from_secs(5),
        // These tests are about answers, not pace: the emulator's limits are met head-on.
        rate: RateLimits::UNLIMITED,
    }
}

fn client(emu: &Emulator) -> Client {
    Client::new(config(
        emu,
        Auth::AccessToken(Secret::new(TEST_ACCESS_TOKEN)),
    ))
    .expect("a valid configuration")
}

fn encode(img: image::DynamicImage, format: image::ImageFormat) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, format).expect("encodes");
    out.into_inner()
}

fn rgb(width: u32, height: u32) -> image::DynamicImage {
    image::DynamicImage::ImageRgb8(image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 128])
    }))
}

fn jpeg(width: u32, height: u32) -> Vec<u8> {
    encode(rgb(width, height), image::ImageFormat::Jpeg)
}

/// A small JPEG whose header claims other dimensions: servers read the header.
fn jpeg_claiming(width: u16, height: u16) -> Vec<u8> {
    let mut bytes = jpeg(16, 16);
    let sof = bytes
        .windows(2)
        .position(|w| w == [0xFF, 0xC0])
        .expect("a baseline JPEG has SOF0");
    bytes[sof + 5..sof + 7].copy_from_slice(&height.to_be_bytes());
    bytes[sof + 7..sof + 9].copy_from_slice(&width.to_be_bytes());
    bytes
}

fn image_ref(name: &str, width: u32, height: u32) -> ImageRef {
    ImageRef {
        source: format!("media/admin/{name}"),
        width,
        height,
        bytes: 0,
    }
}

/// The processed JPEG of a picture: one of its size.
fn bytes_of(image: &ImageRef) -> Vec<u8> {
    jpeg(image.width, image.height)
}

const TEXT: &str =
    "В субботу открываем каток! Вход свободный, коньки дадим напрокат.\n\n#Крапивинский #каток";

fn poll_block() -> OkMedia {
    OkMedia::Poll {
        question: "Придёте на открытие?".to_owned(),
        answers: vec!["Да".to_owned(), "Нет".to_owned(), "Подумаю".to_owned()],
        options: "SingleChoice,AnonymousVoting".to_owned(),
    }
}

/// What the renderer gives for a post with text, two pictures and a poll.
fn publication(gid: &str) -> Vec<OkCall> {
    vec![
        OkCall::UploadPhoto {
            gid: gid.to_owned(),
            image: image_ref("katok.jpg", 64, 48),
        },
        OkCall::UploadPhoto {
            gid: gid.to_owned(),
            image: image_ref("konki.jpg", 30, 40),
        },
        OkCall::MediatopicPost {
            gid: gid.to_owned(),
            media: vec![
                OkMedia::Text {
                    text: TEXT.to_owned(),
                },
                OkMedia::Photo {
                    uploads: vec![0, 1],
                },
                poll_block(),
            ],
        },
    ]
}

/// Every secret of the default configuration, and the signing secret derived from them.
fn secrets() -> Vec<String> {
    vec![
        TEST_ACCESS_TOKEN.to_owned(),
        TEST_APPLICATION_SECRET.to_owned(),
        client::session_secret(TEST_ACCESS_TOKEN, TEST_APPLICATION_SECRET),
    ]
}

/// No secret in the error's `Display` or `Debug`, nor an upload URL.
fn assert_clean(e: &PublishError, secrets: &[String]) {
    for text in [e.to_string(), format!("{e:?}")] {
        for s in secrets {
            assert!(!text.contains(s.as_str()), "a secret leaked into `{text}`");
        }
        assert!(
            !text.contains("apiToken"),
            "an upload URL leaked into `{text}`"
        );
        assert!(
            !text.contains("upload.do"),
            "an upload URL leaked into `{text}`"
        );
    }
}

fn rejected(result: Result<impl std::fmt::Debug, PublishError>) -> String {
    match result {
        Err(PublishError::Rejected { reason }) => reason,
        other => panic!("expected Rejected, got {other:?}"),
    }
}

// ── publishing ───────────────────────────────────────────────────────────────────────────────

#[tokio::test]
async fn publishes_text_two_pictures_and_a_poll() {
    let emu = emulator().await;
    let id = client(&emu)
        .execute(&publication(TEST_GROUP), &bytes_of)
        .await
        .unwrap();

    let photos = emu.state.photos();
    assert_eq!(
        photos
            .iter()
            .map(|p| (p.width, p.height, p.format, p.gid.as_str()))
            .collect::<Vec<_>>(),
        [(64, 48, "jpeg", TEST_GROUP), (30, 40, "jpeg", TEST_GROUP)]
    );
    assert_eq!(
        emu.state.topics(TEST_GROUP),
        [Topic {
            id: id.clone(),
            gid: TEST_GROUP.to_owned(),
            blocks: vec![
                Block::Text(TEXT.to_owned()),
                Block::Photos(photos.clone()),
                Block::Poll {
                    question: "Придёте на открытие?".to_owned(),
                    answers: vec!["Да".to_owned(), "Нет".to_owned(), "Подумаю".to_owned()],
                    options: vec!["SingleChoice".to_owned(), "AnonymousVoting".to_owned()],
                },
            ],
            on_behalf_of_group: Some(true),
            disable_comments: None,
            publish_at: None,
        }]
    );
    assert!(id.bytes().all(|b| b.is_ascii_digit()), "{id}");

    // One upload URL per picture, the pictures as `pic1`, then one mediatopic.post.
    let calls = emu.state.calls();
    let methods: Vec<&str> = calls.iter().map(|c| c.method.as_str()).collect();
    assert_eq!(
        methods,
        [
            "photosV2.getUploadUrl",
            "photosV2.getUploadUrl",
            "mediatopic.post"
        ]
    );
    let uploads = emu.state.uploads();
    assert_eq!(uploads.len(), 2);
    assert!(
        uploads
            .iter()
            .all(|u| u.files.len() == 1 && u.files[0].0 == "pic1")
    );
    let post = &calls[2];
    assert_eq!(post.param("type"), Some("GROUP_THEME"));
    assert_eq!(post.param("gid"), Some(TEST_GROUP));
    assert_eq!(post.param("format"), Some("json"));
    assert_eq!(post.param("application_key"), Some(TEST_APPLICATION_KEY));
    let attachment: Value = serde_json::from_str(post.param("attachment").unwrap()).unwrap();
    assert_eq!(
        attachment,
        json!({
            "media": [
                {"type": "text", "text": TEXT},
                {"type": "photo", "list": [{"id": photos[0].token}, {"id": photos[1].token}]},
                {"type": "poll", "question": "Придёте на открытие?",
                 "answers": [{"text": "Да"}, {"text": "Нет"}, {"text": "Подумаю"}],
                 "options": "SingleChoice,AnonymousVoting"}
            ],
            "onBehalfOfGroup": "true"
        })
    );
}

#[tokio::test]
async fn the_sent_signature_covers_exactly_the_sent_bytes() {
    let emu = emulator().await;
    client(&emu)
        .execute(&publication(TEST_GROUP), &bytes_of)
        .await
        .unwrap();
    let secret = client::session_secret(TEST_ACCESS_TOKEN, TEST_APPLICATION_SECRET);
    for call in emu.state.calls() {
        // As the server received them (the token is not recorded and not signed anyway).
        let sig = client::signature(
            call.params.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            &secret,
        );
        assert_eq!(call.param("sig"), Some(sig.as_str()), "{}", call.method);
        assert!(call.param("access_token").is_none());
    }
}

#[test]
fn signature_test_vectors() {
    // docs/api-facts.md#ok-requests-and-signature gives `232c8eb9…db4c`; aiookru's documentation,
    // its source, gives the whole digest and the token and application secret key behind the
    // secret.
    let params = [
        ("application_key", "ABCDEFGHIGKLMNOPK"),
        ("format", "json"),
        ("method", "events.get"),
    ];
    let secret = client::session_secret(
        "-s-84W-s3egarWUsbkq-IWTucuedzTKT8VUXIA.s4Xx8IW7",
        "ABC123DEF456GHI789JKL123",
    );
    assert_eq!(secret, "b1a2b89707a94624c43afae67d59274c");
    let sig = client::signature(params, &secret);
    assert!(
        sig.starts_with("232c8eb9") && sig.ends_with("db4c"),
        "{sig}"
    );
    assert_eq!(sig, "232c8eb921951c4dba9b72606f9ddb4c");
    // The client-server variant: the session secret key is the secret.
    assert_eq!(
        client::signature(params, "ae5362b5b588cc7294c2414d71b74d5d"),
        "03a41413523ea8092507949d6e711963"
    );
    // `sig`, `access_token` and `session_key` are never signed; order does not matter.
    let mut noisy = params.to_vec();
    noisy.insert(0, ("access_token", "x"));
    noisy.push(("sig", "y"));
    noisy.push(("session_key", "z"));
    noisy.reverse();
    assert_eq!(client::signature(noisy, &secret), sig);
}

#[tokio::test]
async fn a_wrong_secret_key_is_a_rejected_signature() {
    let emu = emulator().await;
    let mut cfg = config(&emu, Auth::AccessToken(Secret::new(TEST_ACCESS_TOKEN)));
    let wrong = "WRONG0SECRET0KEY00000000";
    cfg.application_secret_key = Secret::new(wrong);
    let c = Client::new(cfg).unwrap();
    let result = c.execute(&publication(TEST_GROUP), &bytes_of).await;
    let e = result.as_ref().unwrap_err().clone();
    let reason = rejected(result);
    // In the process's language (Russian by default), with OK's own words inside.
    assert!(reason.contains("подпись"), "{reason}");
    assert!(reason.contains("104"), "{reason}");
    assert!(reason.contains("ошибка vestnik"), "{reason}");
    let mut all = secrets();
    all.push(wrong.to_owned());
    all.push(client::session_secret(TEST_ACCESS_TOKEN, wrong));
    assert_clean(&e, &all);
    assert!(emu.state.calls().is_empty());
    assert!(emu.state.topics(TEST_GROUP).is_empty());
}

#[tokio::test]
async fn a_malformed_call_list_is_rejected_before_anything_is_sent() {
    let emu = emulator().await;
    let c = client(&emu);
    let mut two_posts = publication(TEST_GROUP);
    two_posts.push(two_posts[2].clone());
    let mut other_group = publication(TEST_GROUP);
    other_group[0] = OkCall::UploadPhoto {
        gid: "70000000000002".to_owned(),
        image: image_ref("a.jpg", 8, 8),
    };
    let dangling = vec![OkCall::MediatopicPost {
        gid: TEST_GROUP.to_owned(),
        media: vec![OkMedia::Photo { uploads: vec![0] }],
    }];
    for calls in [vec![], two_posts, other_group, dangling] {
        let reason = rejected(c.execute(&calls, &bytes_of).await);
        assert!(reason.contains("malformed OK publication"), "{reason}");
    }
    assert!(emu.state.calls().is_empty());
}

// ── faults ───────────────────────────────────────────────────────────────────────────────────

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Transient,
    RateLimited(Duration),
    Unauthorized,
    Rejected,
    Unknown,
    NotCommitted,
}

fn outcome(e: &PublishError) -> Outcome {
    match e {
        PublishError::Transient { .. } => Outcome::Transient,
        PublishError::RateLimited { after } => Outcome::RateLimited(*after),
        PublishError::Unauthorized { .. } => Outcome::Unauthorized,
        PublishError::Rejected { .. } => Outcome::Rejected,
        PublishError::Unknown { .. } => Outcome::Unknown,
        PublishError::NotCommitted { .. } => Outcome::NotCommitted,
    }
}

#[tokio::test]
async fn every_fault_maps_to_the_outcome_the_scheduler_acts_on() {
    type Setup = fn(&emulator::State);
    let cases: Vec<(&str, Setup, Outcome, bool)> = vec![
        (
            "HTTP 500",
            |s| s.inject(Fault::ServerError, 1),
            Outcome::Transient,
            false,
        ),
        (
            "error 2 SERVICE",
            |s| s.inject(Fault::ApiError(2), 1),
            Outcome::Transient,
            false,
        ),
        (
            "error 2 on mediatopic.post",
            |s| s.inject_on("mediatopic.post", Fault::ApiError(2), 1),
            Outcome::Transient,
            false,
        ),
        (
            "HTTP 500 from the upload server",
            |s| s.inject_on(UPLOAD, Fault::ServerError, 1),
            Outcome::Transient,
            false,
        ),
        (
            "upload answer dropped",
            |s| s.inject_on(UPLOAD, Fault::DropResponse, 1),
            Outcome::Transient,
            false,
        ),
        (
            "getUploadUrl answer dropped",
            |s| s.inject_on("photosV2.getUploadUrl", Fault::DropResponse, 1),
            Outcome::Transient,
            false,
        ),
        (
            "error 8 FLOOD_BLOCKED",
            |s| s.inject(Fault::ApiError(8), 1),
            Outcome::RateLimited(FLOOD_WAIT),
            false,
        ),
        (
            "error 11 LIMIT_REACHED",
            |s| s.inject_on("mediatopic.post", Fault::ApiError(11), 1),
            Outcome::RateLimited(QUOTA_WAIT),
            false,
        ),
        (
            "the emulator's rate limit",
            |s| s.set_rate_limit(1),
            Outcome::RateLimited(FLOOD_WAIT),
            false,
        ),
        (
            "token revoked (102)",
            |s| s.revoke_token(TEST_ACCESS_TOKEN),
            Outcome::Unauthorized,
            false,
        ),
        (
            "token expired, no refresh token (102)",
            |s| s.expire_token(TEST_ACCESS_TOKEN),
            Outcome::Unauthorized,
            false,
        ),
        (
            "error 456 GROUP_RESTRICTION",
            |s| s.inject_on("mediatopic.post", Fault::ApiError(456), 1),
            Outcome::Unauthorized,
            false,
        ),
        (
            "error 514 IDS_SESSION_VERIFICATION_REQUIRED",
            |s| s.inject(Fault::ApiError(514), 1),
            Outcome::Unauthorized,
            false,
        ),
        (
            "error 454 CENSOR_MATCH",
            |s| s.inject_on("mediatopic.post", Fault::ApiError(454), 1),
            Outcome::Rejected,
            false,
        ),
        (
            "error 9999 SYSTEM on mediatopic.post",
            |s| s.inject_on("mediatopic.post", Fault::ApiError(9999), 1),
            Outcome::Unknown,
            false,
        ),
        (
            "mediatopic.post applied, answer dropped",
            |s| s.inject_on("mediatopic.post", Fault::DropResponse, 1),
            Outcome::Unknown,
            true,
        ),
        (
            "mediatopic.post applied, answer after the timeout",
            |s| s.inject_on("mediatopic.post", Fault::Delay(Duration::from_secs(3)), 1),
            Outcome::Unknown,
            true,
        ),
    ];
    for (name, setup, expected, published) in cases {
        let emu = emulator().await;
        setup(&emu.state);
        let mut cfg = config(&emu, Auth::AccessToken(Secret::new(TEST_ACCESS_TOKEN)));
        cfg.timeout = Duration::from_millis(800);
        let c = Client::new(cfg).unwrap();
        let e = c
            .execute(&publication(TEST_GROUP), &bytes_of)
            .await
            .expect_err(name);
        assert_eq!(outcome(&e), expected, "{name}: {e}");
        assert_eq!(
            e.may_have_been_applied(),
            expected == Outcome::Unknown,
            "{name}"
        );
        assert_clean(&e, &secrets());
        assert_eq!(
            emu.state.topics(TEST_GROUP).len(),
            usize::from(published),
            "{name}: published"
        );
    }
}

#[tokio::test]
async fn a_refused_connection_is_transient() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let cfg = Config {
        base_url: format!("http://{addr}"),
        application_key: TEST_APPLICATION_KEY.to_owned(),
        application_secret_key: Secret::new(TEST_APPLICATION_SECRET),
        auth: Auth::AccessToken(Secret::new(TEST_ACCESS_TOKEN)),
        connect_timeout: Duration::from_secs(1),
        timeout: Duration::from_secs(1),
        rate: RateLimits::OK,
    };
    let e = Client::new(cfg)
        .unwrap()
        .execute(&publication(TEST_GROUP), &bytes_of)
        .await
        .unwrap_err();
    assert_eq!(outcome(&e), Outcome::Transient, "{e}");
    assert_clean(&e, &secrets());
}

// ── tokens ───────────────────────────────────────────────────────────────────────────────────

#[derive(Default)]
struct MemoryStore {
    saved: Mutex<Vec<TokenPair>>,
    fail: Mutex<bool>,
}

impl TokenStore for MemoryStore {
    fn save(&self, tokens: &TokenPair) -> Result<(), String> {
        if *self.fail.lock().expect("not poisoned") {
            return Err("disk full".to_owned());
        }
        self.saved
            .lock()
            .expect("not poisoned")
            .push(tokens.clone());
        Ok(())
    }
}

fn oauth_client(emu: &Emulator, access: &str, refresh: &str, store: Arc<MemoryStore>) -> Client {
    Client::new(config(
        emu,
        Auth::OAuth {
            tokens: TokenPair {
                access: Secret::new(access),
                refresh: Secret::new(refresh),
            },
            refresh: Refresh {
                url: emu.refresh_url(),
                application_id: TEST_APPLICATION_ID.to_owned(),
            },
            store,
        },
    ))
    .expect("a valid configuration")
}

#[tokio::test]
async fn an_expired_token_is_refreshed_and_saved_before_use() {
    let emu = emulator().await;
    let (access, refresh) = emu.state.issue_oauth(TEST_APPLICATION_KEY);
    emu.state.expire_token(&access);
    let store = Arc::new(MemoryStore::default());
    let c = oauth_client(&emu, &access, &refresh, store.clone());
    c.execute(&publication(TEST_GROUP), &bytes_of)
        .await
        .unwrap();
    assert_eq!(emu.state.topics(TEST_GROUP).len(), 1);
    let saved = store.saved.lock().unwrap().clone();
    assert_eq!(saved.len(), 1, "refreshed once for all calls");
    assert_ne!(saved[0].access.expose(), access);
    assert_eq!(saved[0].refresh.expose(), refresh);
    let refreshes = emu.state.refreshes();
    assert_eq!(refreshes.len(), 1);
    assert!(refreshes[0].granted);
    assert_eq!(refreshes[0].client_id, TEST_APPLICATION_ID);
    // The first getUploadUrl was refused (102, before it reached the method) and sent again.
    assert_eq!(emu.state.calls().len(), 3);
}

#[tokio::test]
async fn a_revoked_grant_needs_a_person() {
    let emu = emulator().await;
    let (access, refresh) = emu.state.issue_oauth(TEST_APPLICATION_KEY);
    emu.state.revoke_token(&access);
    let store = Arc::new(MemoryStore::default());
    let c = oauth_client(&emu, &access, &refresh, store.clone());
    let e = c
        .execute(&publication(TEST_GROUP), &bytes_of)
        .await
        .unwrap_err();
    assert_eq!(outcome(&e), Outcome::Unauthorized, "{e}");
    // In the process's language (Russian by default).
    assert!(e.to_string().contains("войти в OK"), "{e}");
    let mut all = secrets();
    all.extend([
        access.clone(),
        refresh.clone(),
        client::session_secret(&access, TEST_APPLICATION_SECRET),
    ]);
    assert_clean(&e, &all);
    assert!(store.saved.lock().unwrap().is_empty());
    assert!(!emu.state.refreshes()[0].granted);
}

#[tokio::test]
async fn a_token_that_cannot_be_saved_is_not_used() {
    let emu = emulator().await;
    let (access, refresh) = emu.state.issue_oauth(TEST_APPLICATION_KEY);
    emu.state.expire_token(&access);
    let store = Arc::new(MemoryStore::default());
    *store.fail.lock().unwrap() = true;
    let c = oauth_client(&emu, &access, &refresh, store.clone());
    let e = c
        .execute(&publication(TEST_GROUP), &bytes_of)
        .await
        .unwrap_err();
    assert_eq!(outcome(&e), Outcome::Unauthorized, "{e}");
    assert!(e.to_string().contains("disk full"), "{e}");
    assert!(
        emu.state.calls().is_empty(),
        "nothing but the refused first call"
    );
    // Once the store works again, the kept pair is saved before it is used.
    *store.fail.lock().unwrap() = false;
    c.execute(&publication(TEST_GROUP), &bytes_of)
        .await
        .unwrap();
    assert_eq!(store.saved.lock().unwrap().len(), 1);
    assert_eq!(emu.state.refreshes().len(), 1);
}

#[tokio::test]
async fn secrets_never_print() {
    let emu = emulator().await;
    let store = Arc::new(MemoryStore::default());
    let c = oauth_client(&emu, TEST_ACCESS_TOKEN, "refresh-secret-x", store);
    let cfg = config(&emu, Auth::AccessToken(Secret::new(TEST_ACCESS_TOKEN)));
    let target = client(&emu).get_upload_url(TEST_GROUP, 2).await.unwrap();
    assert_eq!(target.photo_ids.len(), 2);
    for text in [
        format!("{c:?}"),
        format!("{cfg:?}"),
        format!("{target:?}"),
        format!("{:?}", emu.state),
        format!("{:?}", emulator::Config::default()),
    ] {
        for s in [
            TEST_ACCESS_TOKEN,
            TEST_APPLICATION_SECRET,
            "refresh-secret-x",
        ] {
            assert!(!text.contains(s), "{text}");
        }
        assert!(!text.contains("apiToken"), "{text}");
    }
}

// ── what the emulator enforces ───────────────────────────────────────────────────────────────

/// Uploads one picture and returns its token.
async fn uploaded(c: &Client) -> String {
    c.upload_photo(TEST_GROUP, jpeg(20, 10))
        .await
        .expect("uploaded")
}

async fn post(c: &Client, attachment: Value) -> Result<String, PublishError> {
    c.mediatopic_post(TEST_GROUP, attachment.to_string()).await
}

fn with_code(result: Result<impl std::fmt::Debug, PublishError>, code: i64) -> String {
    let reason = rejected(result);
    assert!(
        reason.contains(&format!("ошибка OK {code} ")),
        "expected error {code}: {reason}"
    );
    reason
}

#[tokio::test]
async fn topics_are_held_to_oks_limits() {
    let emu = emulator().await;
    let c = client(&emu);
    let text = |t: &str| json!({"media": [{"type": "text", "text": t}]});
    post(&c, text(&"я".repeat(10_000))).await.unwrap();
    with_code(post(&c, text(&"я".repeat(10_001))).await, 601);
    let poll = |answers: Vec<&str>| {
        json!({"media": [{"type": "poll", "question": "Вопрос?",
            "answers": answers.iter().map(|a| json!({"text": a})).collect::<Vec<_>>(),
            "options": "SingleChoice,AnonymousVoting"}]})
    };
    with_code(post(&c, poll(vec!["Да"])).await, 603);
    with_code(post(&c, poll(vec!["a"; 11])).await, 603);
    let long = "б".repeat(101);
    with_code(post(&c, poll(vec!["Да", &long])).await, 604);
    post(&c, poll(vec!["Да", "Нет"])).await.unwrap();
    with_code(
        post(&c, json!({"media": [{"type": "link", "url": "ftp://x"}]})).await,
        607,
    );
    with_code(
        post(
            &c,
            json!({"media": [{"type": "photo", "list": [{"id": "no-such-token"}]}]}),
        )
        .await,
        121,
    );
    let token = uploaded(&c).await;
    let photo = json!({"media": [{"type": "photo", "list": [{"id": token}]}]});
    post(&c, photo.clone()).await.unwrap();
    // An upload token is good for one topic (UNCONFIRMED, see the emulator).
    with_code(post(&c, photo).await, 121);
    with_code(post(&c, json!({"media": []})).await, 100);
    with_code(post(&c, json!({"media": [{"type": "video"}]})).await, 100);
    with_code(
        c.mediatopic_post("70000000000999", text("x").to_string())
            .await,
        160,
    );
    with_code(
        c.mediatopic_post(TEST_GROUP, "{not json".to_owned()).await,
        100,
    );
    assert_eq!(emu.state.topics(TEST_GROUP).len(), 3);
}

#[tokio::test]
async fn calls_are_held_to_oks_protocol() {
    let emu = emulator().await;
    let c = client(&emu);
    let unknown = Request {
        method: "friends.get",
        params: vec![],
    };
    with_code(c.call(&unknown).await, 3);
    let missing = Request {
        method: "mediatopic.post",
        params: vec![
            ("type", "GROUP_THEME".to_owned()),
            ("gid", TEST_GROUP.to_owned()),
        ],
    };
    let reason = with_code(c.call(&missing).await, 100);
    assert!(reason.contains("attachment"), "{reason}");
    let misspelt = Request {
        method: "photosV2.getUploadUrl",
        params: vec![("gid", TEST_GROUP.to_owned()), ("cuont", "1".to_owned())],
    };
    with_code(c.call(&misspelt).await, 100);
    with_code(c.get_upload_url("123", 1).await, 160);

    // A key the emulator does not know.
    let mut cfg = config(&emu, Auth::AccessToken(Secret::new(TEST_ACCESS_TOKEN)));
    cfg.application_key = "CUNKNOWNKEYABABA".to_owned();
    let e = Client::new(cfg)
        .unwrap()
        .get_upload_url(TEST_GROUP, 1)
        .await
        .unwrap_err();
    assert_eq!(outcome(&e), Outcome::Unauthorized, "{e}");
}

#[tokio::test]
async fn pictures_are_held_to_the_upload_limits() {
    let emu = emulator().await;
    let c = client(&emu);
    let png = encode(rgb(12, 9), image::ImageFormat::Png);
    c.upload_photo(TEST_GROUP, png).await.unwrap();
    assert_eq!(emu.state.photos()[0].format, "png");
    let gif = encode(rgb(12, 9), image::ImageFormat::Gif);
    let reason = rejected(c.upload_photo(TEST_GROUP, gif).await);
    assert!(reason.contains("error 503"), "{reason}");
    let reason = rejected(c.upload_photo(TEST_GROUP, jpeg_claiming(6000, 4001)).await);
    assert!(reason.contains("error 502"), "{reason}");
    c.upload_photo(TEST_GROUP, jpeg_claiming(6000, 4000))
        .await
        .unwrap();
    let reason = rejected(c.upload_photo(TEST_GROUP, b"not a picture".to_vec()).await);
    assert!(reason.contains("error 503"), "{reason}");
    let mut big = jpeg(16, 16);
    big.resize(emulator::MAX_PHOTO_BYTES + 1, 0);
    let reason = rejected(c.upload_photo(TEST_GROUP, big).await);
    assert!(reason.contains("error 500"), "{reason}");
    // Two pictures for an upload URL made for one.
    let target = c.get_upload_url(TEST_GROUP, 1).await.unwrap();
    rejected(c.upload(&target, vec![jpeg(8, 8), jpeg(8, 8)]).await);
    assert_eq!(emu.state.photos().len(), 2);
}
