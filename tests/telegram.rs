//! The Telegram client against its local emulator: every method, the limits the real API
//! enforces, every injected fault mapped to the outcome the scheduler acts on, tokens that never
//! leak into error texts, and the requests checked against the official API definitions in
//! `../shared/reference/`.

use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};
use vestnik::networks::telegram::client::{Client, Config, NewPoll, Request};
use vestnik::networks::telegram::emulator::{
    self, Content, Emulator, Fault, TEST_CHANNEL, TEST_TOKEN,
};
use vestnik::networks::{PublishError, RateLimits, Secret, SecretError};
use vestnik::render::publication::{ImageRef, Motion, TelegramCall, VideoRef};

const CHANNEL_ID: &str = "-1001000000001";

async fn emulator() -> Emulator {
    emulator::start(emulator::Config::default())
        .await
        .expect("start the emulator")
}

fn config(emu: &Emulator, token: &str) -> Config {
    Config {
        base_url: emu.base_url.clone(),
        token: Secret::new(token),
        connect_timeout: Duration::from_secs(2),
        timeout: Duration::from_secs(5),
        // These tests are about answers, not pace: the emulator's limits are met head-on.
        rate: RateLimits::UNLIMITED,
    }
}

fn client(emu: &Emulator) -> Client {
    Client::new(config(emu, TEST_TOKEN)).expect("a valid client configuration")
}

/// A small real JPEG.
fn jpeg(width: u32, height: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 128])
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 80)
        .encode_image(&img)
        .expect("encode a JPEG");
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

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("a clock after 1970")
        .as_secs() as i64
}

fn poll(options: &[&str]) -> NewPoll {
    NewPoll {
        question: "Придёте на открытие катка?".to_owned(),
        options: options.iter().map(|o| (*o).to_owned()).collect(),
        is_anonymous: true,
        allows_multiple_answers: false,
        close_date: None,
    }
}

fn rejected(result: Result<impl std::fmt::Debug, PublishError>) -> String {
    match result {
        Err(PublishError::Rejected { reason }) => reason,
        other => panic!("expected Rejected, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Every method

#[tokio::test]
async fn get_me_and_get_chat_describe_the_bot_and_the_channel() {
    let emu = emulator().await;
    let client = client(&emu);
    let me = client.get_me().await.unwrap();
    assert_eq!(me.id, 123456);
    assert!(me.is_bot);
    assert_eq!(me.username.as_deref(), Some("vestnik_test_bot"));

    let by_name = client.get_chat(TEST_CHANNEL).await.unwrap();
    assert_eq!(by_name.kind, "channel");
    assert_eq!(by_name.id, -1_001_000_000_001);
    assert_eq!(by_name.username.as_deref(), Some("krapivino_test"));
    assert_eq!(client.get_chat(CHANNEL_ID).await.unwrap(), by_name);

    let missing = rejected(client.get_chat("@nobody_here").await);
    assert_eq!(missing, "Bad Request: chat not found");
}

#[tokio::test]
async fn send_message_publishes_the_visible_text_with_entities() {
    let emu = emulator().await;
    let client = client(&emu);
    let html =
        "<b>Каток</b> открыт &amp; ждёт: <a href=\"https://example.org/katok\">расписание</a>\n";
    let sent = client.send_message(TEST_CHANNEL, html).await.unwrap();
    assert_eq!(sent.message_id, 1);
    assert_eq!(sent.chat.kind, "channel");
    assert_eq!(
        sent.text.as_deref(),
        Some("Каток открыт & ждёт: расписание")
    );

    let published = emu.state.messages(TEST_CHANNEL);
    assert_eq!(published.len(), 1);
    let Content::Text { text, entities } = &published[0].content else {
        panic!("a text message: {published:?}");
    };
    assert_eq!(text, "Каток открыт & ждёт: расписание");
    assert_eq!(entities.len(), 2);
    assert_eq!(
        (entities[0].kind, entities[0].offset, entities[0].length),
        ("bold", 0, 5)
    );
    assert_eq!(entities[1].kind, "text_link");
    assert_eq!(
        entities[1].argument.as_deref(),
        Some("https://example.org/katok")
    );
    // The same chat by numeric id.
    assert_eq!(emu.state.messages(CHANNEL_ID), published);
}

#[tokio::test]
async fn send_photo_uploads_the_jpeg_with_its_caption() {
    let emu = emulator().await;
    let client = client(&emu);
    let photo = jpeg(1600, 1200);
    let size = photo.len();
    let sent = client
        .send_photo(CHANNEL_ID, photo, Some("<i>Зимний</i> вечер"))
        .await
        .unwrap();
    assert_eq!(sent.caption.as_deref(), Some("Зимний вечер"));
    let largest = sent.photo.last().unwrap();
    assert_eq!((largest.width, largest.height), (1600, 1200));
    assert_eq!(sent.photo.first().map(|p| p.width), Some(90));

    let published = emu.state.messages(TEST_CHANNEL);
    let Content::Photo {
        caption,
        caption_entities,
        sizes,
        file_size,
    } = &published[0].content
    else {
        panic!("a photo: {published:?}");
    };
    assert_eq!(caption.as_deref(), Some("Зимний вечер"));
    assert_eq!(caption_entities[0].kind, "italic");
    assert_eq!(sizes.last(), Some(&(1600, 1200)));
    assert_eq!(*file_size, size);

    // Without a caption, and uploaded as a file part (no JSON body).
    let bare = client
        .send_photo(TEST_CHANNEL, jpeg(64, 48), None)
        .await
        .unwrap();
    assert_eq!(bare.caption, None);
    let call = emu.state.calls().pop().unwrap();
    assert_eq!(call.files.len(), 1);
    assert_eq!(call.files[0].0, "photo");
}

#[tokio::test]
async fn send_media_group_returns_every_message() {
    let emu = emulator().await;
    let client = client(&emu);
    let sent = client
        .send_media_group(
            TEST_CHANNEL,
            vec![jpeg(320, 240), jpeg(240, 320), jpeg(300, 300)],
            Some("Три <b>кадра</b>"),
        )
        .await
        .unwrap();
    let ids: Vec<i64> = sent.iter().map(|m| m.message_id).collect();
    assert_eq!(ids, vec![1, 2, 3]);
    let group = sent[0].media_group_id.clone().unwrap();
    assert!(
        sent.iter()
            .all(|m| m.media_group_id.as_deref() == Some(&group))
    );
    assert_eq!(sent[0].caption.as_deref(), Some("Три кадра"));
    assert_eq!(sent[1].caption, None);

    let published = emu.state.messages(TEST_CHANNEL);
    assert_eq!(published.len(), 3);
    let sizes: Vec<(u32, u32)> = published
        .iter()
        .map(|m| match &m.content {
            Content::Photo { sizes, .. } => *sizes.last().unwrap(),
            other => panic!("a photo: {other:?}"),
        })
        .collect();
    assert_eq!(sizes, vec![(320, 240), (240, 320), (300, 300)]);
}

#[tokio::test]
async fn send_poll_sends_input_poll_options() {
    let emu = emulator().await;
    let client = client(&emu);
    let close = unix_now() + 3 * 86_400;
    let mut p = poll(&["Да", "Нет", "Подумаю"]);
    p.allows_multiple_answers = true;
    p.close_date = Some(close);
    let sent = client.send_poll(TEST_CHANNEL, &p).await.unwrap();
    let poll = sent.poll.unwrap();
    assert_eq!(poll.question, "Придёте на открытие катка?");
    let options: Vec<&str> = poll.options.iter().map(|o| o.text.as_str()).collect();
    assert_eq!(options, vec!["Да", "Нет", "Подумаю"]);
    assert!(poll.is_anonymous && poll.allows_multiple_answers);
    assert_eq!(poll.close_date, Some(close));

    let call = emu.state.calls().pop().unwrap();
    assert_eq!(
        call.params["options"],
        json!([{"text": "Да"}, {"text": "Нет"}, {"text": "Подумаю"}])
    );
    assert!(matches!(
        &emu.state.messages(TEST_CHANNEL)[0].content,
        Content::Poll {
            is_anonymous: true,
            allows_multiple_answers: true,
            ..
        }
    ));
}

#[tokio::test]
async fn execute_runs_every_call_of_a_rendered_post() {
    let emu = emulator().await;
    let client = client(&emu);
    let image = |name: &str, width, height| ImageRef {
        source: format!("media/library/{name}"),
        width,
        height,
        bytes: 0,
    };
    let calls = [
        TelegramCall::SendMediaGroup {
            chat_id: TEST_CHANNEL.to_owned(),
            media: vec![image("a.jpg", 320, 240), image("b.jpg", 200, 300)],
            video: None,
            caption: None,
        },
        TelegramCall::SendMessage {
            chat_id: TEST_CHANNEL.to_owned(),
            text: "Новая выставка в читальном зале: <b>«Зимние сказки»</b>.".to_owned(),
        },
        TelegramCall::SendPoll {
            chat_id: TEST_CHANNEL.to_owned(),
            question: "Какие сказки читать?".to_owned(),
            options: vec!["Русские".to_owned(), "Сибирские".to_owned()],
            is_anonymous: true,
            allows_multiple_answers: false,
            close_date: Some(unix_now() + 86_400),
        },
        TelegramCall::SendPhoto {
            chat_id: CHANNEL_ID.to_owned(),
            photo: image("c.jpg", 100, 100),
            caption: Some("Подпись".to_owned()),
        },
    ];
    let bytes = |img: &ImageRef| jpeg(img.width, img.height);
    let mut ids = Vec::new();
    for call in &calls {
        ids.push(client.execute(call, &bytes).await.unwrap());
    }
    assert_eq!(ids, vec![vec![1, 2], vec![3], vec![4], vec![5]]);
    // The future owns its request: the call may be gone before it is awaited, and it is Send.
    let pending = {
        let call = TelegramCall::SendMessage {
            chat_id: TEST_CHANNEL.to_owned(),
            text: "Последнее".to_owned(),
        };
        client.execute(&call, &bytes)
    };
    fn is_send<T: Send>(_: &T) {}
    is_send(&pending);
    assert_eq!(pending.await.unwrap(), vec![6]);
    let texts: Vec<Option<String>> = emu
        .state
        .messages(TEST_CHANNEL)
        .iter()
        .map(|m| m.visible_text().map(str::to_owned))
        .collect();
    assert_eq!(
        texts,
        vec![
            None,
            None,
            Some("Новая выставка в читальном зале: «Зимние сказки».".to_owned()),
            Some("Какие сказки читать?".to_owned()),
            Some("Подпись".to_owned()),
            Some("Последнее".to_owned()),
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// What the real API refuses

#[tokio::test]
async fn unsupported_html_is_rejected_with_telegrams_words() {
    let emu = emulator().await;
    let client = client(&emu);
    let cases = [
        (
            "<p>Привет</p>",
            "Bad Request: can't parse entities: Unsupported start tag \"p\" at byte offset 0",
        ),
        (
            "Привет<br>мир",
            "Bad Request: can't parse entities: Unsupported start tag \"br\" at byte offset 12",
        ),
        (
            "<b>жирный",
            "Bad Request: can't parse entities: Can't find end tag corresponding to start tag \"b\"",
        ),
        (
            "<b>a</i>",
            "Bad Request: can't parse entities: Unmatched end tag at byte offset 4, expected \"</b>\", found \"</i>\"",
        ),
        (
            "a < b",
            "Bad Request: can't parse entities: Unsupported start tag \"\" at byte offset 2",
        ),
    ];
    for (html, expected) in cases {
        assert_eq!(
            rejected(client.send_message(TEST_CHANNEL, html).await),
            expected
        );
    }
    // In a caption too.
    let reason = rejected(
        client
            .send_photo(TEST_CHANNEL, jpeg(32, 32), Some("<h4>Заголовок</h4>"))
            .await,
    );
    assert!(reason.contains("Unsupported start tag \"h4\""), "{reason}");
    // Unknown named entities stay text, as in tdlib.
    let sent = client
        .send_message(TEST_CHANNEL, "A &laquo;B&raquo; &lt;C&gt;")
        .await
        .unwrap();
    assert_eq!(sent.text.as_deref(), Some("A &laquo;B&raquo; <C>"));
    assert_eq!(emu.state.messages(TEST_CHANNEL).len(), 1);
}

#[tokio::test]
async fn the_limits_of_the_spec_are_enforced() {
    let emu = emulator().await;
    let client = client(&emu);
    let c = TEST_CHANNEL;
    // Texts count after entity parsing, in characters, trimmed.
    let long = "я".repeat(4096);
    client
        .send_message(c, &format!("<b>{long}</b>\n"))
        .await
        .unwrap();
    assert_eq!(
        rejected(client.send_message(c, &format!("{long}!")).await),
        "Bad Request: message is too long"
    );
    assert_eq!(
        rejected(client.send_message(c, "  \n ").await),
        "Bad Request: message text is empty"
    );
    assert_eq!(
        rejected(
            client
                .send_photo(c, jpeg(32, 32), Some(&"я".repeat(1025)))
                .await
        ),
        "Bad Request: message caption is too long"
    );
    // Polls.
    let question = |q: String| NewPoll {
        question: q,
        ..poll(&["Да"])
    };
    client
        .send_poll(c, &question("?".repeat(300)))
        .await
        .unwrap();
    assert_eq!(
        rejected(client.send_poll(c, &question("?".repeat(301))).await),
        "Bad Request: poll question length must not exceed 300"
    );
    let twelve: Vec<String> = (1..=12).map(|i| format!("Вариант {i}")).collect();
    let refs: Vec<&str> = twelve.iter().map(String::as_str).collect();
    client.send_poll(c, &poll(&refs)).await.unwrap();
    let mut thirteen = refs.clone();
    thirteen.push("Ещё");
    assert_eq!(
        rejected(client.send_poll(c, &poll(&thirteen)).await),
        "Bad Request: poll can't have more than 12 options"
    );
    assert_eq!(
        rejected(client.send_poll(c, &poll(&[])).await),
        "Bad Request: poll must have at least 1 option"
    );
    let long_option = "о".repeat(101);
    assert_eq!(
        rejected(client.send_poll(c, &poll(&[&long_option])).await),
        "Bad Request: poll options length must not exceed 100"
    );
    let named = NewPoll {
        is_anonymous: false,
        ..poll(&["Да", "Нет"])
    };
    assert_eq!(
        rejected(client.send_poll(c, &named).await),
        "Bad Request: non-anonymous polls can't be sent to channel chats"
    );
    // Albums of 2–10.
    assert_eq!(
        rejected(client.send_media_group(c, vec![jpeg(16, 16)], None).await),
        "Bad Request: media must include 2-10 items"
    );
    assert_eq!(
        rejected(
            client
                .send_media_group(c, vec![jpeg(16, 16); 11], None)
                .await
        ),
        "Bad Request: too many messages to send as an album"
    );
    // Photos: dimensions, ratio, size, format.
    let dims = "Bad Request: PHOTO_INVALID_DIMENSIONS";
    assert_eq!(
        rejected(client.send_photo(c, jpeg_claiming(6000, 4001), None).await),
        dims
    );
    assert_eq!(
        rejected(client.send_photo(c, jpeg_claiming(2100, 100), None).await),
        dims
    );
    client
        .send_photo(c, jpeg_claiming(2000, 100), None)
        .await
        .unwrap();
    let mut big = jpeg(16, 16);
    big.resize(10 * 1024 * 1024 + 1, 0);
    assert_eq!(
        rejected(client.send_photo(c, big, None).await),
        "Bad Request: file is too big"
    );
    assert_eq!(
        rejected(client.send_photo(c, b"not a picture".to_vec(), None).await),
        "Bad Request: IMAGE_PROCESS_FAILED"
    );
    // Only what was accepted is published: the long text, two polls, one photo.
    assert_eq!(emu.state.messages(c).len(), 4);
}

#[tokio::test]
async fn unknown_method_answers_404_in_bot_api_shape() {
    let emu = emulator().await;
    let client = client(&emu);
    let request = Request {
        method: "sendSticker",
        params: serde_json::Map::new(),
        files: Vec::new(),
    };
    assert_eq!(
        rejected(client.call_raw(request).await),
        "Not Found: method not found"
    );
    let raw = reqwest::Client::new()
        .post(format!("{}/bot{TEST_TOKEN}/fooBar", emu.base_url))
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status().as_u16(), 404);
    assert_eq!(
        raw.json::<Value>().await.unwrap(),
        json!({"ok": false, "error_code": 404, "description": "Not Found: method not found"})
    );
}

#[tokio::test]
async fn parameters_arrive_as_query_form_or_json_and_methods_ignore_case() {
    let emu = emulator().await;
    let http = reqwest::Client::new();
    let base = format!("{}/bot{TEST_TOKEN}", emu.base_url);
    let query = http
        .get(format!(
            "{base}/SENDMESSAGE?chat_id=%40krapivino_test&text=query"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(query.status().as_u16(), 200);
    let form = http
        .post(format!("{base}/sendmessage"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("chat_id=-1001000000001&text=%3Cb%3Eform%3C%2Fb%3E&parse_mode=HTML")
        .send()
        .await
        .unwrap();
    assert_eq!(form.status().as_u16(), 200);
    let poll = http
        .post(format!("{base}/sendPoll"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(
            "chat_id=-1001000000001&question=Q&options=%5B%22a%22%2C%22b%22%5D&is_anonymous=false",
        )
        .send()
        .await
        .unwrap();
    let body: Value = poll.json().await.unwrap();
    assert_eq!(
        body["description"],
        "Bad Request: non-anonymous polls can't be sent to channel chats"
    );
    let texts: Vec<String> = emu
        .state
        .messages(TEST_CHANNEL)
        .iter()
        .filter_map(|m| m.visible_text().map(str::to_owned))
        .collect();
    assert_eq!(texts, vec!["query", "form"]);
}

// ---------------------------------------------------------------------------------------------
// Faults → the outcome the scheduler acts on

#[tokio::test]
async fn server_errors_are_transient_and_publish_nothing() {
    let emu = emulator().await;
    let client = client(&emu);
    emu.state.inject(Fault::ServerError, 1);
    emu.state.inject(Fault::BadGateway, 1);
    for _ in 0..2 {
        let err = client.send_message(TEST_CHANNEL, "раз").await.unwrap_err();
        assert!(matches!(err, PublishError::Transient { .. }), "{err:?}");
        assert!(!err.may_have_been_applied());
    }
    assert!(emu.state.messages(TEST_CHANNEL).is_empty());
    client.send_message(TEST_CHANNEL, "два").await.unwrap();
    assert_eq!(emu.state.messages(TEST_CHANNEL).len(), 1);
}

#[tokio::test]
async fn injected_429_is_rate_limited_with_its_retry_after() {
    let emu = emulator().await;
    let client = client(&emu);
    emu.state
        .inject(Fault::TooManyRequests { retry_after: 42 }, 2);
    let err = client.send_message(TEST_CHANNEL, "x").await.unwrap_err();
    assert_eq!(
        err,
        PublishError::RateLimited {
            after: Duration::from_secs(42)
        }
    );
    assert_eq!(err.retry_after(), Some(Duration::from_secs(42)));
    let err = client.get_me().await.unwrap_err();
    assert_eq!(err.retry_after(), Some(Duration::from_secs(42)));
    assert!(emu.state.messages(TEST_CHANNEL).is_empty());
}

#[tokio::test]
async fn the_per_chat_rate_answers_429_with_the_wait() {
    let emu = emulator::start(emulator::Config {
        rate: RateLimits {
            per_chat_per_sec: 0,
            per_chat_per_min: 3,
            global_per_sec: 0,
        },
        ..emulator::Config::default()
    })
    .await
    .unwrap();
    let client = client(&emu);
    client
        .send_media_group(TEST_CHANNEL, vec![jpeg(16, 16), jpeg(16, 16)], None)
        .await
        .unwrap();
    client.send_message(TEST_CHANNEL, "третье").await.unwrap();
    let err = client
        .send_message(TEST_CHANNEL, "четвёртое")
        .await
        .unwrap_err();
    let after = err.retry_after().expect("rate limited");
    assert!(
        after > Duration::from_secs(55) && after <= Duration::from_secs(60),
        "{after:?}"
    );
    assert_eq!(emu.state.messages(TEST_CHANNEL).len(), 3);
    assert_eq!(emu.state.rate_limited(), 1);
}

#[tokio::test]
async fn a_revoked_or_unknown_token_is_unauthorized() {
    let emu = emulator().await;
    let client = client(&emu);
    client.get_me().await.unwrap();
    emu.state.revoke(TEST_TOKEN);
    let err = client.send_message(TEST_CHANNEL, "x").await.unwrap_err();
    assert_eq!(
        err,
        PublishError::Unauthorized {
            reason: "Unauthorized".to_owned()
        }
    );
    let stranger = Client::new(config(&emu, "654321:SOME-other-token")).unwrap();
    assert!(matches!(
        stranger.get_me().await,
        Err(PublishError::Unauthorized { .. })
    ));
    assert!(emu.state.messages(TEST_CHANNEL).is_empty());
}

#[tokio::test]
async fn a_dropped_answer_is_unknown_and_the_post_is_up() {
    let emu = emulator().await;
    let client = client(&emu);
    emu.state.inject(Fault::DropResponse, 1);
    let err = client
        .send_message(TEST_CHANNEL, "опубликовано, но ответа нет")
        .await
        .unwrap_err();
    assert!(matches!(err, PublishError::Unknown { .. }), "{err:?}");
    assert!(err.may_have_been_applied());
    assert_eq!(emu.state.messages(TEST_CHANNEL).len(), 1);
    // The client recovers on a fresh connection.
    client.send_message(TEST_CHANNEL, "дальше").await.unwrap();
}

#[tokio::test]
async fn a_late_answer_is_unknown_and_the_post_is_up() {
    let emu = emulator().await;
    let client = Client::new(Config {
        timeout: Duration::from_millis(300),
        ..config(&emu, TEST_TOKEN)
    })
    .unwrap();
    emu.state.inject(Fault::Delay(Duration::from_secs(2)), 1);
    let err = client
        .send_photo(TEST_CHANNEL, jpeg(64, 64), Some("поздно"))
        .await
        .unwrap_err();
    assert!(matches!(err, PublishError::Unknown { .. }), "{err:?}");
    assert!(err.to_string().contains("timed out"), "{err}");
    assert_eq!(emu.state.messages(TEST_CHANNEL).len(), 1);
}

#[tokio::test]
async fn a_refused_connection_is_transient() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let client = Client::new(Config {
        base_url: format!("http://127.0.0.1:{port}"),
        ..Config::new(Secret::new(TEST_TOKEN))
    })
    .unwrap();
    let err = client.get_me().await.unwrap_err();
    assert!(matches!(err, PublishError::Transient { .. }), "{err:?}");
}

#[tokio::test]
async fn no_error_text_contains_the_token() {
    let emu = emulator().await;
    let client = client(&emu);
    let quick = Client::new(Config {
        timeout: Duration::from_millis(200),
        ..config(&emu, TEST_TOKEN)
    })
    .unwrap();
    let mut errors = Vec::new();
    for fault in [
        Fault::ServerError,
        Fault::BadGateway,
        Fault::TooManyRequests { retry_after: 3 },
        Fault::DropResponse,
    ] {
        emu.state.inject(fault, 1);
        errors.push(client.send_message(TEST_CHANNEL, "x").await.unwrap_err());
    }
    emu.state.inject(Fault::Delay(Duration::from_secs(1)), 1);
    errors.push(quick.get_me().await.unwrap_err());
    errors.push(client.send_message(TEST_CHANNEL, "<p>").await.unwrap_err());
    errors.push(
        client
            .call_raw(Request {
                method: "nope",
                params: serde_json::Map::new(),
                files: Vec::new(),
            })
            .await
            .unwrap_err(),
    );
    let refused = Client::new(Config {
        base_url: "http://127.0.0.1:9".to_owned(),
        ..config(&emu, TEST_TOKEN)
    })
    .unwrap();
    errors.push(refused.get_me().await.unwrap_err());
    emu.state.revoke(TEST_TOKEN);
    errors.push(client.get_me().await.unwrap_err());

    let key = TEST_TOKEN.split_once(':').unwrap().1;
    for err in &errors {
        for text in [err.to_string(), format!("{err:?}")] {
            assert!(!text.contains(TEST_TOKEN), "token in: {text}");
            assert!(!text.contains(key), "token key in: {text}");
        }
    }
    let kinds: Vec<&str> = errors
        .iter()
        .map(|e| match e {
            PublishError::RateLimited { .. } => "rate",
            PublishError::Unauthorized { .. } => "auth",
            PublishError::Rejected { .. } => "rejected",
            PublishError::Transient { .. } => "transient",
            PublishError::Unknown { .. } => "unknown",
            PublishError::NotCommitted { .. } => "not committed",
        })
        .collect();
    assert_eq!(
        kinds,
        vec![
            "transient",
            "transient",
            "rate",
            "unknown",
            "unknown",
            "rejected",
            "rejected",
            "transient",
            "auth"
        ]
    );
    for text in [
        format!("{client:?}"),
        format!("{:?}", config(&emu, TEST_TOKEN)),
    ] {
        assert!(!text.contains(key), "token in: {text}");
    }
    let bad = Client::new(config(&emu, "not a token/../x")).unwrap_err();
    assert!(!bad.to_string().contains("not a token"), "{bad}");
}

// ---------------------------------------------------------------------------------------------
// Secrets

#[test]
fn a_secret_prints_only_stars() {
    let secret = Secret::new(TEST_TOKEN);
    assert_eq!(secret.to_string(), "***");
    assert_eq!(format!("{secret:?}"), "***");
    assert_eq!(format!("{:?}", Some(&secret)), "Some(***)");
    assert_eq!(secret.expose(), TEST_TOKEN);
}

#[test]
fn a_secret_comes_from_the_environment() {
    assert!(!Secret::from_env("PATH").unwrap().expose().is_empty());
    let missing = Secret::from_env("VESTNIK_NO_SUCH_VARIABLE_FOR_TESTS").unwrap_err();
    assert!(matches!(missing, SecretError::EnvMissing { .. }));
    assert_eq!(
        missing.to_string(),
        "the environment variable VESTNIK_NO_SUCH_VARIABLE_FOR_TESTS is not set"
    );
}

#[cfg(unix)]
#[test]
fn a_secrets_file_must_be_private() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().unwrap();
    let path: std::path::PathBuf = dir.path().join("telegram.token");
    std::fs::write(&path, format!("{TEST_TOKEN}\n")).unwrap();

    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let err = Secret::from_file(&path).unwrap_err();
    assert!(
        matches!(err, SecretError::TooOpen { mode: 0o644, .. }),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(
        text.contains("mode 644") && text.contains("chmod 600"),
        "{text}"
    );
    assert!(!text.contains(TEST_TOKEN));

    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
    assert!(matches!(
        Secret::from_file(&path),
        Err(SecretError::TooOpen { mode: 0o640, .. })
    ));

    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    assert_eq!(Secret::from_file(&path).unwrap().expose(), TEST_TOKEN);

    std::fs::write(&path, "\n").unwrap();
    assert!(matches!(
        Secret::from_file(&path),
        Err(SecretError::Empty { .. })
    ));
    assert!(matches!(
        Secret::from_file(&dir.path().join("missing")),
        Err(SecretError::Read { .. })
    ));
}

// ---------------------------------------------------------------------------------------------
// Conformance with the Bot API 10.1 spec (../shared/reference/telegram-bot-api/api.json)

fn spec() -> Option<Value> {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/reference/telegram-bot-api/api.json");
    if !path.is_file() {
        eprintln!(
            "skipped: {} is absent (a fresh clone without ../shared); nothing was checked against the Bot API spec",
            path.display()
        );
        return None;
    }
    let text = std::fs::read_to_string(&path).expect("read the Bot API spec");
    let spec: Value = serde_json::from_str(&text).expect("the Bot API spec is JSON");
    assert_eq!(spec["version"], "Bot API 10.1");
    Some(spec)
}

/// A clip as rendered (the bytes come from the test's reader).
fn clip(motion: Motion) -> VideoRef {
    VideoRef {
        source: "media/admin/a.mp4".to_owned(),
        width: 640,
        height: 360,
        duration: 6,
        bytes: 0,
        poster: ImageRef {
            source: "media/admin/a.mp4#poster".to_owned(),
            width: 320,
            height: 180,
            bytes: 0,
        },
        motion,
    }
}

/// Every request the client can send: each method with and without its optional parts, and
/// each kind of rendered call.
fn every_request() -> Vec<Request> {
    let close = Some(unix_now() + 3_600);
    let image = ImageRef {
        source: "media/admin/a.jpg".to_owned(),
        width: 64,
        height: 48,
        bytes: 0,
    };
    let bytes = |img: &ImageRef| {
        if img.source.ends_with(".mp4") {
            // An MP4's first box, as the emulator checks it.
            b"\0\0\0\x18ftypmp42\0\0\0\0mp42isom".to_vec()
        } else {
            jpeg(img.width.max(1), img.height.max(1))
        }
    };
    let mut requests = vec![
        Request::get_me(),
        Request::get_chat(TEST_CHANNEL),
        Request::get_chat(CHANNEL_ID),
        Request::send_message(TEST_CHANNEL, "<b>Текст</b>"),
        Request::send_message(CHANNEL_ID, "Текст"),
        Request::send_photo(TEST_CHANNEL, jpeg(64, 48), None),
        Request::send_photo(CHANNEL_ID, jpeg(64, 48), Some("<i>Подпись</i>")),
        Request::send_media_group(TEST_CHANNEL, vec![jpeg(64, 48), jpeg(48, 64)], None),
        Request::send_media_group(CHANNEL_ID, vec![jpeg(64, 48); 3], Some("Подпись")),
        Request::send_poll(TEST_CHANNEL, &poll(&["Да", "Нет"])),
        Request::send_poll(
            CHANNEL_ID,
            &NewPoll {
                allows_multiple_answers: true,
                close_date: close,
                ..poll(&["Да"])
            },
        ),
        Request::get_updates(None, 0),
        Request::get_updates(Some(700_000_002), 25),
        Request::delete_message(CHANNEL_ID, 7),
        Request::get_chat_administrators(CHANNEL_ID),
    ];
    let calls = [
        TelegramCall::SendMessage {
            chat_id: TEST_CHANNEL.to_owned(),
            text: "Текст".to_owned(),
        },
        TelegramCall::SendPhoto {
            chat_id: TEST_CHANNEL.to_owned(),
            photo: image.clone(),
            caption: Some("Подпись".to_owned()),
        },
        TelegramCall::SendMediaGroup {
            chat_id: CHANNEL_ID.to_owned(),
            media: vec![image.clone(), image.clone()],
            video: None,
            caption: Some("Подпись".to_owned()),
        },
        TelegramCall::SendMediaGroup {
            chat_id: CHANNEL_ID.to_owned(),
            media: vec![image.clone()],
            video: Some(clip(Motion::Video)),
            caption: Some("Подпись".to_owned()),
        },
        TelegramCall::SendVideo {
            chat_id: TEST_CHANNEL.to_owned(),
            video: clip(Motion::Video),
            caption: Some("Подпись".to_owned()),
        },
        TelegramCall::SendVideo {
            chat_id: CHANNEL_ID.to_owned(),
            video: clip(Motion::Video),
            caption: None,
        },
        TelegramCall::SendAnimation {
            chat_id: TEST_CHANNEL.to_owned(),
            animation: clip(Motion::Animation),
            caption: Some("Подпись".to_owned()),
        },
        TelegramCall::SendPoll {
            chat_id: TEST_CHANNEL.to_owned(),
            question: "Вопрос?".to_owned(),
            options: vec!["Да".to_owned(), "Нет".to_owned()],
            is_anonymous: true,
            allows_multiple_answers: false,
            close_date: close,
        },
    ];
    requests.extend(calls.iter().map(|c| Request::for_call(c, &bytes)));
    requests
}

/// Checks a value against one of the spec's type expressions; returns what does not match.
fn check_type(spec: &Value, ty: &str, value: &Value, files: &[String], at: &str) -> Vec<String> {
    let wrong = |what: &str| vec![format!("{at}: expected {what}, found {value}")];
    if let Some(item) = ty.strip_prefix("Array of ") {
        let Some(items) = value.as_array() else {
            return wrong(ty);
        };
        return items
            .iter()
            .enumerate()
            .flat_map(|(i, v)| check_type(spec, item, v, files, &format!("{at}[{i}]")))
            .collect();
    }
    match ty {
        "Integer" if value.is_i64() || value.is_u64() => vec![],
        "Float" if value.is_number() => vec![],
        "String" if value.is_string() => vec![],
        "Boolean" if value.is_boolean() => vec![],
        "InputFile" => match value.as_str().and_then(|s| s.strip_prefix("attach://")) {
            Some(name) if files.iter().any(|f| f == name) => vec![],
            _ => wrong("attach://<an uploaded part>"),
        },
        "Integer" | "Float" | "String" | "Boolean" => wrong(ty),
        object => {
            let Some(def) = spec["types"].get(object) else {
                return vec![format!("{at}: unknown type {object}")];
            };
            if let Some(subtypes) = def["subtypes"].as_array() {
                let tries: Vec<Vec<String>> = subtypes
                    .iter()
                    .filter_map(Value::as_str)
                    .map(|s| check_type(spec, s, value, files, at))
                    .collect();
                return if tries.iter().any(Vec::is_empty) {
                    vec![]
                } else {
                    tries.concat()
                };
            }
            let Some(map) = value.as_object() else {
                return wrong(object);
            };
            check_fields(spec, object, def["fields"].as_array(), map, &[], files, at)
        }
    }
}

fn check_types(
    spec: &Value,
    types: &Value,
    value: &Value,
    files: &[String],
    at: &str,
) -> Vec<String> {
    let list: Vec<&str> = types
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    // `sendMediaGroup.media` is listed as "Array of InputMediaPhoto", "Array of
    // InputMediaVideo", …, but the method's own text (and the Bot API page: "Array of
    // InputMediaAudio, InputMediaDocument, InputMediaPhoto and InputMediaVideo") lets photos and
    // videos share one album (VIDEO.md §2.3): each item must be one of the listed types.
    if list.len() > 1
        && list.iter().all(|t| t.starts_with("Array of "))
        && let Some(items) = value.as_array()
    {
        let items_types: Vec<Value> = list
            .iter()
            .map(|t| json!(t.trim_start_matches("Array of ")))
            .collect();
        return items
            .iter()
            .enumerate()
            .flat_map(|(i, v)| {
                check_types(spec, &json!(items_types), v, files, &format!("{at}[{i}]"))
            })
            .collect();
    }
    let mut all = Vec::new();
    for ty in list {
        let problems = check_type(spec, ty, value, files, at);
        if problems.is_empty() {
            return vec![];
        }
        all.extend(problems);
    }
    all
}

/// Checks an object's keys against a method's or type's fields: every key known and well
/// typed, every required field present (or uploaded as a part of that name).
fn check_fields(
    spec: &Value,
    owner: &str,
    fields: Option<&Vec<Value>>,
    map: &serde_json::Map<String, Value>,
    parts: &[String],
    files: &[String],
    at: &str,
) -> Vec<String> {
    let fields = fields.cloned().unwrap_or_default();
    let field = |name: &str| fields.iter().find(|f| f["name"] == name);
    let mut problems = Vec::new();
    for (name, value) in map {
        let here = format!("{at}.{name}");
        let Some(f) = field(name) else {
            problems.push(format!("{here}: {owner} has no field `{name}`"));
            continue;
        };
        problems.extend(check_types(spec, &f["types"], value, files, &here));
        // "Type of the media, must be photo".
        if let Some(must) = f["description"]
            .as_str()
            .and_then(|d| d.split("must be ").nth(1))
            .and_then(|rest| rest.split([' ', ',', '.']).next())
            && name == "type"
            && value.as_str() != Some(must)
        {
            problems.push(format!("{here}: must be {must}, is {value}"));
        }
    }
    for f in &fields {
        let name = f["name"].as_str().unwrap_or_default();
        if f["required"] == true && !map.contains_key(name) && !parts.iter().any(|p| p == name) {
            problems.push(format!(
                "{at}: required field `{name}` of {owner} is missing"
            ));
        }
    }
    problems
}

fn check_request(spec: &Value, request: &Request) -> Vec<String> {
    let at = request.method;
    let Some(method) = spec["methods"].get(request.method) else {
        return vec![format!("{at}: no such method in the spec")];
    };
    let files: Vec<String> = request.files.iter().map(|f| f.name.clone()).collect();
    // A part named like a field is that field's InputFile; others must be referenced.
    let field_parts: Vec<String> = files
        .iter()
        .filter(|name| {
            method["fields"].as_array().into_iter().flatten().any(|f| {
                f["name"] == name.as_str()
                    && f["types"]
                        .as_array()
                        .is_some_and(|t| t.iter().any(|t| t == "InputFile"))
            })
        })
        .cloned()
        .collect();
    let mut problems = check_fields(
        spec,
        request.method,
        method["fields"].as_array(),
        &request.params,
        &field_parts,
        &files,
        at,
    );
    let mut attached = Vec::new();
    attachments(&Value::Object(request.params.clone()), &mut attached);
    for name in files.iter().filter(|f| !field_parts.contains(f)) {
        if !attached.contains(name) {
            problems.push(format!("{at}: uploaded part `{name}` is not referenced"));
        }
    }
    for name in attached.iter().filter(|a| !files.contains(a)) {
        problems.push(format!("{at}: attach://{name} names no uploaded part"));
    }
    problems
}

/// Every `attach://<name>` in a value.
fn attachments(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) => out.extend(s.strip_prefix("attach://").map(str::to_owned)),
        Value::Array(items) => items.iter().for_each(|v| attachments(v, out)),
        Value::Object(map) => map.values().for_each(|v| attachments(v, out)),
        _ => {}
    }
}

#[test]
fn every_request_matches_the_bot_api_spec() {
    let Some(spec) = spec() else { return };
    let requests = every_request();
    let methods: std::collections::BTreeSet<&str> = requests.iter().map(|r| r.method).collect();
    assert_eq!(
        methods.into_iter().collect::<Vec<_>>(),
        vec![
            "deleteMessage",
            "getChat",
            "getChatAdministrators",
            "getMe",
            "getUpdates",
            "sendAnimation",
            "sendMediaGroup",
            "sendMessage",
            "sendPhoto",
            "sendPoll",
            "sendVideo"
        ]
    );
    let problems: Vec<String> = requests
        .iter()
        .flat_map(|r| check_request(&spec, r))
        .collect();
    assert!(problems.is_empty(), "{problems:#?}");

    // The checker itself catches what the old APIs accepted.
    let mut legacy = Request::send_poll(TEST_CHANNEL, &poll(&["Да", "Нет"]));
    legacy
        .params
        .insert("options".to_owned(), json!(["Да", "Нет"]));
    legacy
        .params
        .insert("disable_web_page_preview".to_owned(), json!(true));
    legacy
        .params
        .insert("is_anonymous".to_owned(), json!("true"));
    assert_eq!(check_request(&spec, &legacy).len(), 4);
    let mut unattached = Request::send_media_group(TEST_CHANNEL, vec![jpeg(8, 8); 2], None);
    unattached.files.pop();
    assert_eq!(check_request(&spec, &unattached).len(), 1);
}

#[tokio::test]
async fn every_emulator_answer_matches_the_bot_api_spec() {
    let Some(spec) = spec() else { return };
    let emu = emulator().await;
    // More sends than one chat may make in a minute: the rates are not what is tested here.
    emu.state.set_rate(RateLimits {
        per_chat_per_sec: 1000,
        per_chat_per_min: 1000,
        global_per_sec: 1000,
    });
    let client = client(&emu);
    for request in every_request() {
        let method = request.method;
        let result = client.call_raw(request).await.unwrap();
        let returns = &spec["methods"][method]["returns"];
        let problems = check_types(&spec, returns, &result, &[], method);
        assert!(problems.is_empty(), "{method}: {problems:#?}");
    }
    // Updates about users' comments, new and edited.
    let chat: i64 = CHANNEL_ID.parse().unwrap();
    let id = emu
        .state
        .comment(chat, 501, "Когда откроют каток?", Duration::from_secs(60));
    emu.state.edit(chat, id, "Когда откроют каток у школы?");
    let result = client
        .call_raw(Request::get_updates(None, 0))
        .await
        .unwrap();
    assert_eq!(result.as_array().map(Vec::len), Some(2));
    let problems = check_types(
        &spec,
        &json!(["Array of Update"]),
        &result,
        &[],
        "getUpdates",
    );
    assert!(problems.is_empty(), "{problems:#?}");
    // Entities of every kind the emulator produces.
    let html = "<b>b</b><i>i</i><u>u</u><s>s</s><tg-spoiler>p</tg-spoiler><code>c</code>\
                <pre><code class=\"language-rust\">r</code></pre><a href=\"https://e.org\">a</a>\
                <blockquote>q</blockquote><blockquote expandable>e</blockquote>\
                <tg-emoji emoji-id=\"5368324170671202286\">👍</tg-emoji><tg-time unix=\"1767225600\">t</tg-time>";
    let result = client
        .call_raw(Request::send_message(TEST_CHANNEL, html))
        .await
        .unwrap();
    assert_eq!(result["entities"].as_array().map(Vec::len), Some(12));
    let problems = check_types(&spec, &json!(["Message"]), &result, &[], "sendMessage");
    assert!(problems.is_empty(), "{problems:#?}");
}
