# `vestnik preview`: что получит каждая сеть (текст и HTML). Двойники с теми же переменными — в
# locales/en/preview.ftl.

## Заголовок каждой публикации и каждой сети.

preview-no-date = без даты
preview-status-ready = готово
preview-status-draft = черновик
preview-status-external = внешняя
# $unit — `utf16` (Telegram считает единицы UTF-16, эмодзи идут за две) или `chars`; $page — код
# страницы строкой.
preview-network = { $network } · страница { $page } · текст: { $len } из { $limit } { $limit ->
        [one] знака
       *[other] знаков
    }{ $unit ->
        [utf16] {" "}(по счёту { $network }, эмодзи идут за два)
       *[chars] {""}
    }
preview-cannot-publish = не выйдет: { $error }
preview-note-draft = это черновик: vestnik не опубликует его, пока не уберёте `status: draft`
preview-note-external = эту публикацию выпускает { $who }, а не vestnik. Она здесь, чтобы был виден весь план

## Вызовы, по строке на каждый. Названия методов API остаются как есть.

# $kb — размер после обработки, в КБ.
preview-image = { $source } ({ $width }×{ $height }, { $kb } КБ)
# $video — ролик как в preview-video.
preview-video = { $source } ({ $width }×{ $height }, { $secs } с, { $mb } МБ, обложка { $poster })
preview-call-upload-video = загрузить ролик { $video } под названием «{ $name }»
preview-call-send-video = sendVideo: ролик { $video }
preview-call-send-video-caption = sendVideo: ролик { $video } с подписью:
preview-call-send-animation = sendAnimation: анимация { $video }
preview-call-send-animation-caption = sendAnimation: анимация { $video } с подписью:
preview-ok-movies = [загружено роликов: { $count }]
preview-call-upload-photo = загрузить картинку { $image }
preview-call-send-message = sendMessage, текст с оформлением (`parse_mode=HTML`):
preview-call-send-photo = sendPhoto: картинка { $image }
preview-call-send-photo-caption = sendPhoto: картинка { $image } с подписью:
# $images — картинки через запятую, каждая как в preview-image.
preview-call-send-media-group = sendMediaGroup: альбом из { $count } { $count ->
        [one] картинки
       *[other] картинок
    }: { $images }
preview-call-send-media-group-caption = sendMediaGroup: альбом из { $count } { $count ->
        [one] картинки
       *[other] картинок
    }: { $images }; подпись:
# $poll — preview-poll с дополнениями.
preview-call-send-poll = sendPoll: { $poll }
preview-call-polls-create = polls.create: { $poll }
# $owner — код стены строкой (`-900000001`).
preview-call-wall-post = wall.post: пост на стене { $owner } от имени сообщества, { $attachments ->
        [0] без вложений
        [one] { $attachments } вложение
        [few] { $attachments } вложения
       *[other] { $attachments } вложений
    }, `guid={ $guid }`:
preview-call-mediatopic-post = mediatopic.post: тема в группе { $gid } (`GROUP_THEME`), { $blocks ->
        [one] { $blocks } блок
        [few] { $blocks } блока
       *[other] { $blocks } блоков
    }:
preview-ok-photos = [загружено картинок: { $count }]
# $options — флаги опроса OK как есть (`SingleChoice,AnonymousVoting`).
preview-ok-poll = [опрос «{ $question }» { $answers } · `{ $options }`]
# $options — варианты через « / ».
preview-poll = опрос «{ $question }» [{ $options }], анонимный
preview-poll-multiple = , можно выбрать несколько ответов
# $when — дата для людей (date-long).
preview-poll-closes = , закроется { $when }

## Страница HTML.

preview-html-title = vestnik: как увидят читатели
preview-html-image = { $source } · { $width }×{ $height } · { $kb } КБ
preview-html-video = { $source } · { $width }×{ $height } · { $secs } с · { $mb } МБ
preview-html-animation = анимация { $source } · { $width }×{ $height } · { $secs } с · { $mb } МБ
preview-html-poll = Анонимный опрос
preview-html-poll-multiple = Анонимный опрос · можно выбрать несколько ответов
preview-html-poll-closes = закроется { $when }
preview-html-meta = { $page } · текст: { $len } из { $limit }
preview-html-problems = Замечания
preview-html-line = строка { $line }

## Что знать до публикации (render::publication::notes).

render-note-caption-too-long = текст длиннее подписи к картинке: { $len } { $len ->
        [one] знак
        [few] знака
       *[other] знаков
    } по счёту Telegram, а в подпись входит 1024. Поэтому сначала уйдут картинки без подписи, а за ними текст отдельным сообщением
render-note-ok-closes = OK не умеет закрывать опрос в срок, поэтому `closes` в OK не отправляем: там опрос останется открытым

## Почему публикацию не собрать (render::publication::RenderError).

render-error-page-id = у страницы { $network } неверный код `{ $id }`
render-error-image = картинку `{ $image }` не удалось подготовить
render-error-video = ролик `{ $clip }` не удалось подготовить
render-error-empty = публиковать нечего: нет ни текста, ни картинок, ни опроса

## Разметка, которую сеть не покажет как написано (правило `markdown`, его видно и в `vestnik check`).

render-md-html = теги вроде `<b>` в тексте не оформят его: их покажут как есть
render-md-html-hint = оформляйте так: **жирный**, _курсив_, [текст](https://…)
render-md-link = ссылка ведёт не на сайт, поэтому её покажут простым текстом
render-md-link-hint = ссылка должна начинаться с `https://`, `http://`, `tg://` или `mailto:`
render-md-image = картинку внутри текста опубликовать нельзя: от неё останется только подпись
render-md-image-hint = перенесите картинку в список `images:`, а из текста уберите
render-md-table = таблиц нет ни в VK, ни в OK, ни в Telegram: ячейки станут строками текста
render-md-table-hint = перепишите таблицу списком или сделайте из неё картинку-карточку и добавьте в `images:`

## Почему нет предпросмотра (preview::PreviewError).

preview-error-not-a-plan = { $file } — не публикация и не план: они лежат в папке plans/<организация>/ репозитория { $root }
# $reason — почему система отказала, из io-error.
preview-error-io = { $path }: { $reason }
preview-changed-title = Изменённые посты с { $rev }
preview-changed-none = Посты не менялись.
preview-changed-deleted = удалён
preview-changed-needs = --changed-since пишет страницы в папку: укажите --format html и -o ПАПКА
