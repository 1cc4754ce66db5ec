//! The VK client against the local VK emulator: a whole publication checked on the emulated
//! wall, `guid` deduplication after a lost answer, token kinds, the VK ID refresh (the new pair
//! saved before it is used), every injected fault mapped to the outcome the scheduler acts on,
//! tokens that never reach an error text, the limits the emulator enforces, and every request
//! the client can send checked against the official schema in `../shared/reference/`.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use vestnik::networks::vk::client::{
    Auth, Client, Config, METHODS, NewPoll, NewPost, Refresh, Request, TokenPair, TokenStore,
    UploadedPhoto,
};
use vestnik::networks::vk::emulator::{
    self, Emulator, Fault, MethodTable, SchemaSource, State, WallPost,
};
use vestnik::networks::{PublishError, RateLimits, Secret};
use vestnik::render::publication::{ImageRef, VkAttachment, VkCall};

const GROUP: u64 = 42;
const USER: i64 = 7;
const USER_TOKEN: &str = "vk1.a.user-SECRET-token-0001";
const COMMUNITY_TOKEN: &str = "vk1.a.community-SECRET-token-0002";
const SERVICE_TOKEN: &str = "service-SECRET-token-0003";
const GUID: &str = "vestnik-0123456789abcdef0123456789abcdef";
const CLIENT_ID: &str = "51234567";

pub(crate) fn schema_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/reference/vk-api-schema")
}

/// An emulator with one community administered by `USER`, a user, a community and a service
/// token, and no rate limit (the tests that need it turn it on).
async fn emulator() -> Emulator {
    let emu = emulator::start(emulator::Config::default())
        .await
        .expect("the emulator starts");
    emu.state.add_community(GROUP, &[USER]);
    emu.state.add_user_token(USER_TOKEN, USER);
    emu.state.add_community_token(COMMUNITY_TOKEN, GROUP);
    emu.state.add_service_token(SERVICE_TOKEN);
    emu.state.set_rate_limit(0);
    emu
}

fn config(emu: &Emulator, auth: Auth) -> Config {
    let mut c = Config::new(auth);
    c.base_url = emu.base_url.clone();
    c.connect_timeout = Duration::from_secs(2);
    c.timeout = Duration::from_secs(5);
    // Most tests are about answers, not pace: the emulator's limit is met head-on.
    c.rate = RateLimits::UNLIMITED;
    c
}

fn client(emu: &Emulator, token: &str) -> Client {
    Client::new(config(emu, Auth::UserToken(Secret::new(token)))).expect("a valid config")
}

/// A small real JPEG.
fn jpeg(width: u32, height: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 80)
        .encode_image(&img)
        .expect("a JPEG encodes");
    out
}

/// A small JPEG whose header claims other dimensions: servers read the header, so this stands
/// for a huge picture without encoding one.
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

fn image_ref(source: &str, width: u32, height: u32) -> ImageRef {
    ImageRef {
        source: source.to_owned(),
        width,
        height,
        bytes: 0,
    }
}

/// What the renderer makes of a post with two pictures and a poll.
fn publication() -> Vec<VkCall> {
    vec![
        VkCall::UploadPhoto {
            group_id: GROUP,
            image: image_ref("media/admin/katok.jpg", 64, 48),
        },
        VkCall::UploadPhoto {
            group_id: GROUP,
            image: image_ref("media/admin/konki.jpg", 40, 30),
        },
        VkCall::CreatePoll {
            owner_id: -(GROUP as i64),
            question: "Придёте на открытие?".to_owned(),
            add_answers: vec!["Да".to_owned(), "Нет".to_owned(), "Подумаю".to_owned()],
            is_anonymous: true,
            is_multiple: false,
            end_date: None,
        },
        VkCall::WallPost {
            owner_id: -(GROUP as i64),
            from_group: true,
            message: "В субботу открываем каток! Вход свободный.\n\n#Крапивинский #каток"
                .to_owned(),
            attachments: vec![
                VkAttachment::Photo(0),
                VkAttachment::Photo(1),
                VkAttachment::Poll,
            ],
            guid: GUID.to_owned(),
        },
    ]
}

fn text_post(message: &str, guid: &str) -> Vec<VkCall> {
    vec![VkCall::WallPost {
        owner_id: -(GROUP as i64),
        from_group: true,
        message: message.to_owned(),
        attachments: vec![],
        guid: guid.to_owned(),
    }]
}

/// The processed pictures, by source path.
fn images(image: &ImageRef) -> Vec<u8> {
    jpeg(image.width.max(1), image.height.max(1))
}

/// Asserts that no token of the tests appears in an error's `Display` or `Debug`.
fn assert_no_token(e: &PublishError) {
    for text in [e.to_string(), format!("{e:?}")] {
        assert!(!text.contains("SECRET"), "a token leaked: {text}");
        assert!(!text.contains("vk2."), "a VK ID token leaked: {text}");
        assert!(!text.contains("/upload/"), "the upload URL leaked: {text}");
    }
}

#[tokio::test]
async fn publishes_two_photos_and_a_poll_on_the_wall() {
    let emu = emulator().await;
    // VK's real rate and the client's default limiter: six calls in a row stay within 3/s.
    emu.state.set_rate_limit(3);
    let mut cfg = config(&emu, Auth::UserToken(Secret::new(USER_TOKEN)));
    cfg.rate = Config::new(Auth::UserToken(Secret::new("x"))).rate;
    assert_eq!(cfg.rate, RateLimits::VK);
    let client = Client::new(cfg).unwrap();

    let posted = client.execute(&publication(), &images).await.unwrap();

    assert_eq!(posted.owner_id, -42);
    assert_eq!(posted.post_id, 1);
    assert_eq!(posted.url(), "https://vk.com/wall-42_1");
    let wall = emu.state.wall(GROUP);
    assert_eq!(wall.len(), 1);
    let date = wall[0].date;
    assert_eq!(
        wall[0],
        WallPost {
            id: 1,
            owner_id: -42,
            created_by: USER,
            from_group: true,
            message: "В субботу открываем каток! Вход свободный.\n\n#Крапивинский #каток"
                .to_owned(),
            attachments: vec![
                "photo-42_1_kabc001".to_owned(),
                "photo-42_2_kabc002".to_owned(),
                "poll-42_1".to_owned(),
            ],
            guid: Some(GUID.to_owned()),
            date,
        }
    );
    let photos = emu.state.photos();
    assert_eq!(
        photos
            .iter()
            .map(|p| (p.owner_id, p.id, p.width, p.height, p.user_id))
            .collect::<Vec<_>>(),
        vec![(-42, 1, 64, 48, USER), (-42, 2, 40, 30, USER)]
    );
    assert_eq!(emu.state.rate_limited(), 0, "the limiter kept to 3/s");
    let polls = emu.state.polls();
    assert_eq!(polls.len(), 1);
    assert_eq!(polls[0].owner_id, -42);
    assert_eq!(polls[0].question, "Придёте на открытие?");
    assert_eq!(polls[0].answers, ["Да", "Нет", "Подумаю"]);
    assert!(polls[0].anonymous && !polls[0].multiple);

    // On the wire: form-encoded POSTs with v=5.199 and the token only in the header.
    let requests = emu.state.requests();
    assert_eq!(
        requests
            .iter()
            .map(|r| r.method.as_str())
            .collect::<Vec<_>>(),
        [
            "photos.getWallUploadServer",
            "photos.saveWallPhoto",
            "photos.getWallUploadServer",
            "photos.saveWallPhoto",
            "polls.create",
            "wall.post",
        ]
    );
    for r in &requests {
        assert_eq!(r.http_method, "POST");
        assert_eq!(
            r.content_type.as_deref(),
            Some("application/x-www-form-urlencoded")
        );
        assert!(r.query.is_empty(), "nothing in the URL: {:?}", r.query);
        assert_eq!(r.bearer.as_deref(), Some(USER_TOKEN));
        assert!(
            r.body
                .iter()
                .all(|(k, v)| k != "access_token" && v != USER_TOKEN)
        );
        assert!(r.body.contains(&("v".to_owned(), "5.199".to_owned())));
    }
    let post = &requests[5].body;
    assert!(post.contains(&("owner_id".to_owned(), "-42".to_owned())));
    assert!(post.contains(&("from_group".to_owned(), "1".to_owned())));
    assert!(post.contains(&("guid".to_owned(), GUID.to_owned())));
    let poll = &requests[4].body;
    assert!(poll.contains(&(
        "add_answers".to_owned(),
        r#"["Да","Нет","Подумаю"]"#.to_owned()
    )));
    assert!(poll.contains(&("is_anonymous".to_owned(), "1".to_owned())));
    // The upload URL gets the picture in `photo`, and no token.
    let uploads = emu.state.uploads();
    assert_eq!(uploads.len(), 2);
    for u in &uploads {
        assert!(
            !u.had_authorization,
            "the token must not go to the upload server"
        );
        assert_eq!(u.fields, ["photo"]);
    }
}

#[tokio::test]
async fn a_retry_after_a_lost_answer_creates_no_duplicate() {
    let emu = emulator().await;
    let client = client(&emu, USER_TOKEN);
    emu.state.inject_on("wall.post", Fault::DropResponse, 1);

    let first = client.execute(&publication(), &images).await.unwrap_err();
    assert!(first.may_have_been_applied(), "{first:?}");
    assert_no_token(&first);
    assert_eq!(emu.state.wall(GROUP).len(), 1, "the post was applied");

    // The scheduler runs the publication again: new uploads, a new poll, the same guid.
    let second = client.execute(&publication(), &images).await.unwrap();
    assert_eq!(second.post_id, 1);
    let wall = emu.state.wall(GROUP);
    assert_eq!(wall.len(), 1, "no duplicate: {wall:?}");
    assert_eq!(wall[0].guid.as_deref(), Some(GUID));
    assert_eq!(
        wall[0].attachments,
        ["photo-42_1_kabc001", "photo-42_2_kabc002", "poll-42_1"]
    );

    // After VK's hour the guid is forgotten: the same key makes a new post.
    emu.state.advance_clock(Duration::from_secs(3601));
    let third = client
        .execute(&text_post("Ещё раз", GUID), &images)
        .await
        .unwrap();
    assert_eq!(third.post_id, 2);
}

#[tokio::test]
async fn a_community_token_is_unauthorized_with_error_27() {
    let emu = emulator().await;
    let community = client(&emu, COMMUNITY_TOKEN);
    let e = community
        .execute(&publication(), &images)
        .await
        .unwrap_err();
    let PublishError::Unauthorized { reason } = &e else {
        panic!("expected Unauthorized, got {e:?}");
    };
    assert!(reason.contains("ошибка VK 27"), "{reason}");
    assert!(reason.contains("photos.getWallUploadServer"), "{reason}");
    // In the process's language (Russian by default).
    assert!(reason.contains("ключ сообщества"), "{reason}");
    assert!(reason.contains("ключ пользователя"), "{reason}");
    assert_no_token(&e);
    assert!(emu.state.wall(GROUP).is_empty());

    let service = client(&emu, SERVICE_TOKEN);
    let e = service
        .execute(&text_post("x", "g-service"), &images)
        .await
        .unwrap_err();
    assert!(
        matches!(&e, PublishError::Unauthorized { reason } if reason.contains("ошибка VK 28")),
        "{e:?}"
    );
}

/// A token store that records what it was given, checks that the emulator has not yet seen the
/// new access token, and can be told to fail.
struct RecordingStore {
    state: State,
    saved: Mutex<Vec<TokenPair>>,
    seen_before_save: Mutex<Vec<bool>>,
    failures_left: Mutex<u32>,
}

impl RecordingStore {
    fn new(state: &State, failures: u32) -> Arc<RecordingStore> {
        Arc::new(RecordingStore {
            state: state.clone(),
            saved: Mutex::new(Vec::new()),
            seen_before_save: Mutex::new(Vec::new()),
            failures_left: Mutex::new(failures),
        })
    }
}

impl TokenStore for RecordingStore {
    fn save(&self, tokens: &TokenPair) -> Result<(), String> {
        let seen = self
            .state
            .requests()
            .iter()
            .any(|r| r.bearer.as_deref() == Some(tokens.access.expose()));
        self.seen_before_save.lock().expect("lock").push(seen);
        let mut left = self.failures_left.lock().expect("lock");
        if *left > 0 {
            *left -= 1;
            return Err("disk full".to_owned());
        }
        self.saved.lock().expect("lock").push(tokens.clone());
        Ok(())
    }
}

fn vk_id_client(emu: &Emulator, access: &str, refresh: &str, store: Arc<RecordingStore>) -> Client {
    let auth = Auth::VkId {
        tokens: TokenPair {
            access: Secret::new(access),
            refresh: Secret::new(refresh),
        },
        refresh: Refresh {
            url: emu.refresh_url(),
            client_id: CLIENT_ID.to_owned(),
            device_id: "device-1".to_owned(),
        },
        store,
    };
    Client::new(config(emu, auth)).expect("a valid config")
}

#[tokio::test]
async fn an_expired_vk_id_token_is_refreshed_saved_then_used() {
    let emu = emulator().await;
    let (access, refresh) = emu.state.issue_vk_id(USER, CLIENT_ID);
    let store = RecordingStore::new(&emu.state, 0);
    let client = vk_id_client(&emu, &access, &refresh, store.clone());
    // An hour later the access token is dead (VK answers 1117).
    emu.state.advance_clock(Duration::from_secs(3700));

    let posted = client.execute(&publication(), &images).await.unwrap();
    assert_eq!(posted.post_id, 1);

    let saved = store.saved.lock().unwrap().clone();
    assert_eq!(saved.len(), 1, "one refresh, one save");
    assert_ne!(saved[0].access.expose(), access);
    assert_ne!(saved[0].refresh.expose(), refresh);
    assert_eq!(
        *store.seen_before_save.lock().unwrap(),
        [false],
        "the new pair is saved before it is used"
    );
    let refreshes = emu.state.refreshes();
    assert_eq!(refreshes.len(), 1);
    let params: HashMap<_, _> = refreshes[0].params.iter().cloned().collect();
    assert_eq!(params["grant_type"], "refresh_token");
    assert_eq!(params["refresh_token"], refresh);
    assert_eq!(params["client_id"], CLIENT_ID);
    assert_eq!(params["device_id"], "device-1");
    // The first call failed with the old token, was retried once with the new one, and every
    // later call used the new one.
    let bearers: Vec<_> = emu
        .state
        .requests()
        .into_iter()
        .map(|r| r.bearer.unwrap_or_default())
        .collect();
    assert_eq!(bearers[0], access);
    assert!(bearers[1..].iter().all(|b| b == saved[0].access.expose()));
    assert_eq!(bearers.len(), 7);
    // The rotated refresh token is dead.
    assert!(!emu.state.refreshes().iter().skip(1).any(|r| r.issued));

    // A revoked access token (error 5) is refreshed the same way.
    emu.state.revoke_token(saved[0].access.expose());
    client
        .execute(&text_post("Второй пост", "g-2"), &images)
        .await
        .unwrap();
    assert_eq!(store.saved.lock().unwrap().len(), 2);
    assert_eq!(emu.state.wall(GROUP).len(), 2);
}

#[tokio::test]
async fn a_refused_refresh_is_unauthorized_and_saves_nothing() {
    let emu = emulator().await;
    let (access, refresh) = emu.state.issue_vk_id(USER, CLIENT_ID);
    let store = RecordingStore::new(&emu.state, 0);
    let client = vk_id_client(&emu, &access, &refresh, store.clone());
    emu.state.expire_token(&access);
    emu.state.revoke_token(&refresh);

    let e = client
        .execute(&text_post("x", "g-x"), &images)
        .await
        .unwrap_err();
    let PublishError::Unauthorized { reason } = &e else {
        panic!("expected Unauthorized, got {e:?}");
    };
    assert!(reason.contains("VK ID не дал обновить"), "{reason}");
    assert!(reason.contains("invalid_grant"), "{reason}");
    assert_no_token(&e);
    assert!(store.saved.lock().unwrap().is_empty());
    assert_eq!(
        emu.state.requests().len(),
        1,
        "no retry without a new token"
    );
}

#[tokio::test]
async fn a_pair_that_cannot_be_saved_is_never_used_until_it_is() {
    let emu = emulator().await;
    let (access, refresh) = emu.state.issue_vk_id(USER, CLIENT_ID);
    let store = RecordingStore::new(&emu.state, 1);
    let client = vk_id_client(&emu, &access, &refresh, store.clone());
    emu.state.expire_token(&access);

    let e = client
        .execute(&text_post("x", "g-save"), &images)
        .await
        .unwrap_err();
    assert!(
        matches!(&e, PublishError::Unauthorized { reason } if reason.contains("saving them failed") && reason.contains("disk full")),
        "{e:?}"
    );
    assert_no_token(&e);
    assert_eq!(emu.state.requests().len(), 1, "the new token was not used");

    // The next call saves the pair first (no second refresh: the old refresh token is dead),
    // then uses it.
    client
        .execute(&text_post("x", "g-save"), &images)
        .await
        .unwrap();
    assert_eq!(store.saved.lock().unwrap().len(), 1);
    assert_eq!(*store.seen_before_save.lock().unwrap(), [false, false]);
    assert_eq!(emu.state.refreshes().len(), 1);
    assert_eq!(emu.state.wall(GROUP).len(), 1);
}

#[tokio::test]
async fn an_expired_long_lived_token_is_unauthorized() {
    let emu = emulator().await;
    let client = client(&emu, USER_TOKEN);
    emu.state.expire_token(USER_TOKEN);
    let e = client
        .execute(&text_post("x", "g-old"), &images)
        .await
        .unwrap_err();
    assert!(
        matches!(&e, PublishError::Unauthorized { reason } if reason.contains("ошибка VK 1117") && reason.contains("Выпустите новый")),
        "{e:?}"
    );
    assert_no_token(&e);
}

#[tokio::test]
async fn every_fault_maps_to_the_outcome_the_scheduler_acts_on() {
    let emu = emulator().await;
    let mut cfg = config(&emu, Auth::UserToken(Secret::new(USER_TOKEN)));
    cfg.timeout = Duration::from_millis(400);
    let post = |n: usize| text_post("Текст", &format!("g-fault-{n}"));
    let is = |e: &PublishError, what: &str| match e {
        PublishError::RateLimited { .. } => what == "rate",
        PublishError::Unauthorized { .. } => what == "unauthorized",
        PublishError::Rejected { .. } => what == "rejected",
        PublishError::Transient { .. } => what == "transient",
        PublishError::Unknown { .. } => what == "unknown",
        PublishError::NotCommitted { .. } => what == "not committed",
    };
    let cases = [
        (Fault::ServerError, "transient"),
        (Fault::ApiError(10), "transient"),
        (Fault::ApiError(1), "transient"),
        (Fault::ApiError(6), "rate"),
        (Fault::ApiError(9), "rate"),
        (Fault::ApiError(29), "rate"),
        (Fault::ApiError(14), "unauthorized"),
        (Fault::ApiError(17), "unauthorized"),
        (Fault::ApiError(24), "unauthorized"),
        (Fault::ApiError(3609), "unauthorized"),
        (Fault::ApiError(100), "rejected"),
        (Fault::ApiError(214), "rejected"),
        (Fault::ApiError(222), "rejected"),
        (Fault::Delay(Duration::from_millis(1500)), "unknown"),
        (Fault::DropResponse, "unknown"),
    ];
    for (n, (fault, expected)) in cases.iter().enumerate() {
        // A client of its own for each: a rate-limit answer pauses the client's token.
        let client = Client::new(cfg.clone()).unwrap();
        emu.state.inject(fault.clone(), 1);
        let e = client.execute(&post(n), &images).await.unwrap_err();
        assert!(
            is(&e, expected),
            "{fault:?}: expected {expected}, got {e:?}"
        );
        assert_no_token(&e);
    }
    // The delayed and the dropped wall.post were applied: the scheduler must not resend blindly.
    assert_eq!(emu.state.wall(GROUP).len(), 2);

    // The same faults on a step before wall.post publish nothing: safe to send again.
    let client = Client::new(cfg).unwrap();
    for fault in [
        Fault::DropResponse,
        Fault::Delay(Duration::from_millis(1500)),
    ] {
        emu.state
            .inject_on("photos.getWallUploadServer", fault.clone(), 1);
        let e = client.execute(&publication(), &images).await.unwrap_err();
        assert!(is(&e, "transient"), "{fault:?}: {e:?}");
        assert_no_token(&e);
    }
    emu.state.inject_on("polls.create", Fault::DropResponse, 1);
    let e = client.execute(&publication(), &images).await.unwrap_err();
    assert!(is(&e, "transient"), "{e:?}");

    // A revoked token.
    emu.state.revoke_token(USER_TOKEN);
    let e = client.execute(&post(99), &images).await.unwrap_err();
    assert!(
        matches!(&e, PublishError::Unauthorized { reason } if reason.contains("ошибка VK 5")),
        "{e:?}"
    );
    assert_no_token(&e);
}

#[tokio::test]
async fn rate_limits_map_to_their_waits() {
    let emu = emulator().await;
    for (code, wait) in [(6, 1), (9, 3600), (29, 3600)] {
        // A client of its own for each: the answer pauses the client's token for the wait.
        let client = client(&emu, USER_TOKEN);
        emu.state.inject(Fault::ApiError(code), 1);
        let e = client
            .execute(&text_post("x", "g-rate"), &images)
            .await
            .unwrap_err();
        assert_eq!(e.retry_after(), Some(Duration::from_secs(wait)), "{code}");
        if wait > 60 {
            // Nothing more of the token leaves during the pause: the next publication fails at
            // once with the rest of it (issue 12, item 2).
            let sent = emu.state.requests().len();
            let e = client
                .execute(&text_post("y", "g-rate-again"), &images)
                .await
                .unwrap_err();
            let left = e.retry_after().expect("rate limited");
            assert!(
                left <= Duration::from_secs(wait) && left > Duration::from_secs(wait - 60),
                "{code}: {left:?}"
            );
            assert_eq!(emu.state.requests().len(), sent, "{code}");
        }
    }
    // The real limit: a fourth request within a second is error 6.
    let client = client(&emu, USER_TOKEN);
    emu.state.set_rate_limit(3);
    let mut outcomes = Vec::new();
    for n in 0..4 {
        outcomes.push(
            client
                .execute(&text_post("x", &format!("g-burst-{n}")), &images)
                .await,
        );
    }
    assert!(outcomes[..3].iter().all(Result::is_ok), "{outcomes:?}");
    assert_eq!(
        outcomes[3].as_ref().unwrap_err().retry_after(),
        Some(Duration::from_secs(1))
    );
    // Only the refusal of the real limit is counted, not the injected errors.
    assert_eq!(emu.state.rate_limited(), 1);
}

/// Sends a raw request to the emulator and returns VK's answer as JSON.
async fn raw(
    emu: &Emulator,
    method: &str,
    build: impl Fn(reqwest::RequestBuilder) -> reqwest::RequestBuilder,
) -> Value {
    let http = reqwest::Client::new();
    let req = build(http.post(format!("{}/method/{method}", emu.base_url)));
    req.send()
        .await
        .expect("the emulator answers")
        .json()
        .await
        .expect("JSON")
}

fn form(pairs: &[(&str, &str)]) -> String {
    vestnik::networks::vk::client::encode_form(pairs)
}

fn error_of(answer: &Value) -> (i64, String) {
    (
        answer["error"]["error_code"].as_i64().unwrap_or(0),
        answer["error"]["error_msg"]
            .as_str()
            .unwrap_or("")
            .to_owned(),
    )
}

#[tokio::test]
async fn the_emulator_answers_like_vk() {
    let emu = emulator().await;
    let bearer = format!("Bearer {USER_TOKEN}");
    let with_form = |body: String| {
        let bearer = bearer.clone();
        move |r: reqwest::RequestBuilder| {
            r.header("Authorization", bearer.clone())
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body(body.clone())
        }
    };

    let a = raw(&emu, "wall.postt", with_form(form(&[("v", "5.199")]))).await;
    assert_eq!(error_of(&a).0, 3);

    let a = raw(
        &emu,
        "photos.saveWallPhoto",
        with_form(form(&[("v", "5.199"), ("group_id", "42")])),
    )
    .await;
    assert_eq!(
        error_of(&a),
        (
            100,
            "One of the parameters specified was missing or invalid: photo is missing".to_owned()
        )
    );

    let a = raw(
        &emu,
        "wall.post",
        with_form(form(&[
            ("v", "5.199"),
            ("owner_id", "minus42"),
            ("message", "x"),
        ])),
    )
    .await;
    assert_eq!(
        error_of(&a),
        (
            100,
            "One of the parameters specified was missing or invalid: owner_id not integer"
                .to_owned()
        )
    );

    let a = raw(
        &emu,
        "polls.create",
        with_form(form(&[("v", "5.199"), ("is_anonymous", "true")])),
    )
    .await;
    assert_eq!(error_of(&a).0, 100);

    // A JSON body is not read: without `v` in the query string, VK answers error 8.
    let a = raw(&emu, "wall.post", |r| {
        r.header("Authorization", format!("Bearer {USER_TOKEN}"))
            .json(&serde_json::json!({"v": "5.199", "owner_id": -42, "message": "x"}))
    })
    .await;
    assert_eq!(error_of(&a).0, 8);
    // …and a token inside JSON is not seen at all.
    let a = raw(&emu, "wall.post", |r| {
        r.json(&serde_json::json!({"access_token": USER_TOKEN, "v": "5.199"}))
    })
    .await;
    assert_eq!(error_of(&a).0, 5);

    let a = raw(
        &emu,
        "wall.post",
        with_form(form(&[("v", "5.199"), ("owner_id", "-42")])),
    )
    .await;
    assert_eq!(
        error_of(&a),
        (
            100,
            "One of the parameters specified was missing or invalid: message is empty or invalid"
                .to_owned()
        )
    );

    // Every error echoes the request, the token too when it came as a parameter: why the client
    // sends it only in the header and never reads `request_params`.
    let a = raw(&emu, "wall.post", |r| {
        r.header("Content-Type", "application/x-www-form-urlencoded")
            .body(form(&[
                ("v", "5.199"),
                ("access_token", COMMUNITY_TOKEN),
                ("owner_id", "-42"),
            ]))
    })
    .await;
    assert_eq!(error_of(&a).0, 27);
    assert!(
        a["error"]["request_params"]
            .to_string()
            .contains(COMMUNITY_TOKEN)
    );

    // The query string counts as well (the client never uses it).
    let query = form(&[
        ("v", "5.199"),
        ("owner_id", "-42"),
        ("message", "через query"),
    ]);
    let a: Value = reqwest::Client::new()
        .post(format!("{}/method/wall.post?{query}", emu.base_url))
        .header("Authorization", format!("Bearer {USER_TOKEN}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(a["response"]["post_id"], 1);
}

#[tokio::test]
async fn wall_post_keeps_vk_rules() {
    let emu = emulator().await;
    let client = client(&emu, USER_TOKEN);
    let owner = -(GROUP as i64);
    let poll = client
        .create_poll(&NewPoll {
            owner_id: owner,
            question: "Вопрос?".to_owned(),
            answers: vec!["Да".to_owned()],
            is_anonymous: true,
            is_multiple: true,
            end_date: None,
        })
        .await
        .unwrap();
    let post = |message: &str, attachments: Vec<String>| NewPost {
        owner_id: owner,
        from_group: true,
        message: message.to_owned(),
        attachments,
        guid: format!("g-{message}"),
    };
    let rejected = |r: Result<i64, PublishError>, words: &str| match r {
        Err(PublishError::Rejected { reason }) => assert!(reason.contains(words), "{reason}"),
        other => panic!("expected Rejected ({words}), got {other:?}"),
    };
    rejected(
        client.wall_post(&post("", vec![poll.clone()])).await,
        "a poll cannot be the only content",
    );
    rejected(
        client
            .wall_post(&post("two polls", vec![poll.clone(), poll.clone()]))
            .await,
        "at most one poll",
    );
    rejected(
        client.wall_post(&post("", vec![])).await,
        "message is empty",
    );
    rejected(
        client
            .wall_post(&post("ghost", vec!["photo-42_99".to_owned()]))
            .await,
        "no photo",
    );
    let mut photos = Vec::new();
    for _ in 0..11 {
        photos.push(client.upload_wall_photo(GROUP, jpeg(8, 8)).await.unwrap());
    }
    rejected(
        client.wall_post(&post("eleven", photos.clone())).await,
        "at most 10 photos",
    );
    photos.truncate(10);
    photos.push(poll);
    assert_eq!(client.wall_post(&post("ten", photos)).await, Ok(1));

    // Somebody else's wall.
    emu.state.add_community(99, &[1]);
    let e = client
        .wall_post(&NewPost {
            owner_id: -99,
            ..post("x", vec![])
        })
        .await
        .unwrap_err();
    assert!(
        matches!(&e, PublishError::Rejected { reason } if reason.contains("ошибка VK 214")),
        "{e:?}"
    );
}

#[tokio::test]
async fn the_upload_server_keeps_vk_limits() {
    let emu = emulator().await;
    let client = client(&emu, USER_TOKEN);
    let rejected = |r: Result<String, PublishError>, words: &str| match r {
        Err(PublishError::Rejected { reason }) => {
            assert!(reason.contains(words), "{reason}");
            assert!(!reason.contains("/upload/"), "{reason}");
        }
        other => panic!("expected Rejected ({words}), got {other:?}"),
    };
    assert!(client.upload_wall_photo(GROUP, jpeg(30, 20)).await.is_ok());

    let mut png = Vec::new();
    image::RgbImage::new(10, 10)
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    assert!(client.upload_wall_photo(GROUP, png).await.is_ok());

    let mut webp = Vec::new();
    image::RgbImage::new(10, 10)
        .write_to(
            &mut std::io::Cursor::new(&mut webp),
            image::ImageFormat::WebP,
        )
        .unwrap();
    rejected(
        client.upload_wall_photo(GROUP, webp).await,
        "JPEG, PNG or GIF",
    );
    rejected(
        client
            .upload_wall_photo(GROUP, b"not a picture".to_vec())
            .await,
        "JPEG, PNG or GIF",
    );
    rejected(
        client
            .upload_wall_photo(GROUP, jpeg_claiming(9000, 5001))
            .await,
        "14000",
    );
    rejected(client.upload_wall_photo(GROUP, jpeg(420, 20)).await, "1:20");
    let mut huge = jpeg(8, 8);
    huge.resize(emulator::MAX_UPLOAD_BYTES + 1, 0);
    rejected(client.upload_wall_photo(GROUP, huge).await, "50 MB");

    // The field must be `photo`.
    let answer = client
        .call(Request::get_wall_upload_server(GROUP))
        .await
        .unwrap();
    let url = answer["upload_url"].as_str().unwrap();
    let part = reqwest::multipart::Part::bytes(jpeg(8, 8)).file_name("a.jpg");
    let a: Value = reqwest::Client::new()
        .post(url)
        .multipart(reqwest::multipart::Form::new().part("file1", part))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(a["error"].as_str().unwrap().contains("`photo`"), "{a}");

    // A forged hash is refused by photos.saveWallPhoto (error 121).
    let e = client
        .call(Request::save_wall_photo(
            GROUP,
            &UploadedPhoto {
                server: 838_123,
                photo: r#"[{"photo":"u1:30x20"}]"#.to_owned(),
                hash: "0".repeat(32),
            },
        ))
        .await
        .unwrap_err();
    assert!(
        matches!(&e, PublishError::Transient { reason } if reason.contains("ошибка VK 121")),
        "{e:?}"
    );
}

/// The requests of every shape the client can send, with example values where a value comes
/// from an earlier answer.
fn every_request() -> Vec<Request> {
    let uploaded = UploadedPhoto {
        server: 838_123,
        photo: r#"[{"photo":"u1:30x20","sizes":[],"kid":"k"}]"#.to_owned(),
        hash: "0123456789abcdef0123456789abcdef".to_owned(),
    };
    let poll = |multiple, end_date| NewPoll {
        owner_id: -42,
        question: "Придёте?".to_owned(),
        answers: vec!["Да".to_owned(), "Нет, \"занят\"".to_owned()],
        is_anonymous: true,
        is_multiple: multiple,
        end_date,
    };
    let post = |message: &str, attachments: &[&str]| NewPost {
        owner_id: -42,
        from_group: true,
        message: message.to_owned(),
        attachments: attachments.iter().map(|a| (*a).to_owned()).collect(),
        guid: GUID.to_owned(),
    };
    vec![
        Request::get_wall_upload_server(42),
        Request::save_wall_photo(42, &uploaded),
        Request::create_poll(&poll(false, None)),
        Request::create_poll(&poll(true, Some(1_800_000_000))),
        Request::wall_post(&post("Текст", &[])),
        Request::wall_post(&post("", &["photo-42_1_kabc", "poll-42_2"])),
        Request::wall_post(&post("Текст", &["photo-42_1", "photo-42_2", "poll-42_3"])),
        Request::get_comments(42, 7, None, 0),
        Request::get_comments(42, 7, Some(1_000_001), 100),
        Request::get_comment(42, 1_000_001),
        Request::delete_comment(42, 1_000_001),
        Request::restore_comment(42, 1_000_001),
        Request::get_managers(42),
        Request::get_group(42),
        Request::wall_get(42, 0),
        Request::wall_get(42, 300),
        Request::save_video(42, "Концерт", false),
        Request::save_video(42, "Снег", true),
        Request::wall_post(&post("Текст", &["photo-42_1", "video-42_3_vabc"])),
    ]
}

/// Parameters every method takes besides its own (VK's request format, not in the schema).
const GLOBAL_PARAMS: &[&str] = &["v", "access_token", "lang", "test_mode"];

/// Checks one request against the schema files directly (not through the emulator's table):
/// the method exists, takes a user token, every parameter is known and of its type, and every
/// required one is present.
pub(crate) fn conforms(
    schema: &Path,
    method: &str,
    params: &[(String, String)],
) -> Result<(), String> {
    let section = method.split('.').next().unwrap_or_default();
    let path = schema.join(section).join("methods.json");
    let doc: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).map_err(|e| e.to_string())?)
            .map_err(|e| e.to_string())?;
    let spec = doc["methods"]
        .as_array()
        .and_then(|l| l.iter().find(|m| m["name"] == method))
        .ok_or_else(|| format!("{method} is not in {}", path.display()))?;
    let kinds = spec["access_token_type"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    if !kinds.iter().any(|k| k == "user") {
        return Err(format!("{method} does not take a user token: {kinds:?}"));
    }
    let declared = spec["parameters"].as_array().cloned().unwrap_or_default();
    for (name, value) in params {
        if GLOBAL_PARAMS.contains(&name.as_str()) {
            continue;
        }
        let p = declared
            .iter()
            .find(|p| p["name"] == name.as_str())
            .ok_or_else(|| format!("{method}: unknown parameter {name}"))?;
        let ok = match p["type"].as_str() {
            Some("integer") => value.parse::<i64>().is_ok_and(|n| {
                p["minimum"].as_f64().is_none_or(|m| n as f64 >= m)
                    && p["maximum"].as_f64().is_none_or(|m| n as f64 <= m)
            }),
            Some("number") => value.parse::<f64>().is_ok(),
            Some("boolean") => value == "0" || value == "1",
            Some("string") => p["maxLength"]
                .as_u64()
                .is_none_or(|m| value.chars().count() as u64 <= m),
            Some("array") => {
                let item = p["items"]["type"].as_str().unwrap_or("string");
                value.split(',').all(|v| match item {
                    "integer" => v.parse::<i64>().is_ok(),
                    _ => !v.is_empty(),
                })
            }
            _ => true,
        };
        if !ok {
            return Err(format!("{method}: {name}={value:?} is not a {}", p["type"]));
        }
    }
    for p in &declared {
        if p["required"] == true && !params.iter().any(|(k, _)| p["name"] == k.as_str()) {
            return Err(format!("{method}: required {} is missing", p["name"]));
        }
    }
    Ok(())
}

#[tokio::test]
async fn every_request_the_client_sends_conforms_to_the_schema() {
    let schema = schema_dir();
    if !schema.is_dir() {
        println!(
            "skipped: {} is absent (a fresh clone without ../shared); the VK requests were not checked against the official schema",
            schema.display()
        );
        return;
    }
    // Every shape the request builders can produce.
    let mut seen = BTreeSet::new();
    for r in every_request() {
        let params: Vec<(String, String)> = r
            .params
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect();
        conforms(&schema, r.method, &params).unwrap();
        seen.insert(r.method.to_owned());
    }
    assert_eq!(seen, METHODS.iter().map(|m| (*m).to_owned()).collect());

    // And what really went over the wire in a whole publication, `v` included.
    let emu = emulator().await;
    assert_eq!(
        emu.state.schema_source(),
        SchemaSource::Files(schema.clone())
    );
    let client = client(&emu, USER_TOKEN);
    let mut calls = publication();
    if let VkCall::CreatePoll {
        end_date,
        is_multiple,
        ..
    } = &mut calls[2]
    {
        *end_date = Some(1_900_000_000);
        *is_multiple = true;
    }
    client.execute(&calls, &images).await.unwrap();
    let requests = emu.state.requests();
    assert_eq!(requests.len(), 6);
    for r in requests {
        conforms(&schema, &r.method, &r.params()).unwrap();
        assert!(r.params().contains(&("v".to_owned(), "5.199".to_owned())));
    }
}

#[test]
fn the_checked_in_method_table_matches_the_schema() {
    let schema = schema_dir();
    if !schema.is_dir() {
        println!(
            "skipped: {} is absent; the built-in VK method table was not compared with the schema",
            schema.display()
        );
        return;
    }
    let from_schema = MethodTable::load(&schema).unwrap();
    let builtin = MethodTable::builtin();
    for method in METHODS {
        assert_eq!(
            builtin.method(method),
            from_schema.method(method),
            "{method} differs from the schema"
        );
    }
}

#[test]
fn client_debug_shows_no_token() {
    let auth = Auth::UserToken(Secret::new(USER_TOKEN));
    let text = format!("{auth:?}");
    assert!(!text.contains("SECRET"), "{text}");
    let mut cfg = Config::new(auth);
    cfg.base_url = "http://127.0.0.1:9".to_owned();
    let text = format!("{cfg:?} {:?}", Client::new(cfg.clone()).unwrap());
    assert!(!text.contains("SECRET"), "{text}");
    let pair = TokenPair {
        access: Secret::new(USER_TOKEN),
        refresh: Secret::new(COMMUNITY_TOKEN),
    };
    assert!(!format!("{pair:?}").contains("SECRET"));
}

#[tokio::test]
async fn without_the_schema_the_checked_in_table_is_used() {
    let emu = emulator::start(emulator::Config {
        schema_dir: PathBuf::from("/nonexistent/vk-api-schema"),
        rate: RateLimits::UNLIMITED,
    })
    .await
    .expect("the emulator starts");
    assert_eq!(emu.state.schema_source(), SchemaSource::Builtin);
    emu.state.add_community(GROUP, &[USER]);
    emu.state.add_user_token(USER_TOKEN, USER);
    let client = client(&emu, USER_TOKEN);
    let posted = client.execute(&publication(), &images).await.unwrap();
    assert_eq!(posted.post_id, 1);
    // Only the methods vestnik uses are known then.
    let e = client
        .call(Request {
            method: "wall.search",
            params: vec![("domain", "-42".to_owned())],
        })
        .await
        .unwrap_err();
    assert!(
        matches!(&e, PublishError::Rejected { reason } if reason.contains("ошибка VK 3")),
        "{e:?}"
    );
}
