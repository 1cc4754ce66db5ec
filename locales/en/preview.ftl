# `vestnik preview`: what each network will receive (text and HTML). Each message has a twin with
# the same variables in locales/ru/preview.ftl.

## The heading of each post and of each network.

preview-no-date = no date
preview-status-ready = ready
preview-status-draft = draft
preview-status-external = external
# $unit is `utf16` (Telegram counts UTF-16 units) or `chars`; $page is the page's id as text.
preview-network = { $network } · page { $page } · text { $len } of { $limit } { $unit ->
        [utf16] UTF-16 units
       *[chars] characters
    }
preview-cannot-publish = cannot be published: { $error }
preview-note-draft = a draft: vestnik will not publish it until `status: draft` is removed
preview-note-external = published by { $who }, not by vestnik; shown for reference

## The calls, one line each. API method names stay as they are.

# $kb is the size after processing, in KiB.
preview-image = { $source } ({ $width }×{ $height }, { $kb } KB)
# $video: the clip as preview-video.
preview-video = { $source } ({ $width }×{ $height }, { $secs } s, { $mb } MB, poster { $poster })
preview-call-upload-video = upload video { $video } named “{ $name }”
preview-call-send-video = sendVideo { $video }
preview-call-send-video-caption = sendVideo { $video } with caption:
preview-call-send-animation = sendAnimation { $video }
preview-call-send-animation-caption = sendAnimation { $video } with caption:
preview-ok-movies = [videos: { $count } uploaded]
preview-call-upload-photo = upload photo { $image }
preview-call-send-message = sendMessage (parse_mode HTML):
preview-call-send-photo = sendPhoto { $image }
preview-call-send-photo-caption = sendPhoto { $image } with caption:
# $images: the pictures, each as preview-image, joined by commas.
preview-call-send-media-group = sendMediaGroup of { $count }: { $images }
preview-call-send-media-group-caption = sendMediaGroup of { $count }: { $images }; caption:
# $poll is preview-poll with its additions.
preview-call-send-poll = sendPoll { $poll }
preview-call-polls-create = polls.create { $poll }
# $owner is the wall's id as text (`-900000001`).
preview-call-wall-post = wall.post to { $owner } as the community, { $attachments } attachment(s), guid { $guid }:
preview-call-mediatopic-post = mediatopic.post to group { $gid } (GROUP_THEME) with { $blocks } block(s):
preview-ok-photos = [photos: { $count } uploaded]
# $options: OK's poll flags as sent (`SingleChoice,AnonymousVoting`).
preview-ok-poll = [poll «{ $question }» { $answers } · { $options }]
# $options: the answers joined by « / ».
preview-poll = «{ $question }» [{ $options }], anonymous
preview-poll-multiple = , several answers
# $when: a date for people (date-long).
preview-poll-closes = , closes { $when }

## The HTML page.

preview-html-title = vestnik preview
preview-html-image = { $source } · { $width }×{ $height } · { $kb } KB
preview-html-video = { $source } · { $width }×{ $height } · { $secs } s · { $mb } MB
preview-html-animation = animation { $source } · { $width }×{ $height } · { $secs } s · { $mb } MB
preview-html-poll = Anonymous poll
preview-html-poll-multiple = Anonymous poll · several answers
preview-html-poll-closes = closes { $when }
preview-html-meta = { $page } · text { $len } of { $limit }
preview-html-problems = Problems
preview-html-line = line { $line }

## Notes before publishing (render::publication::notes).

render-note-caption-too-long = the text is { $len } UTF-16 units, over Telegram's 1024 for a caption: the pictures go first without caption, then the text as its own message
render-note-ok-closes = OK has no documented closing time for polls: `closes` is not sent to OK

## Why a post cannot be rendered (render::publication::RenderError).

render-error-page-id = the { $network } page id `{ $id }` is not valid
render-error-image = the image `{ $image }` was not processed
render-error-video = the clip `{ $clip }` was not adapted
render-error-empty = the post has nothing to publish

## Markdown a network cannot show as written (rule `markdown`, also in `vestnik check`).

render-md-html = HTML in the text is shown as written, not as formatting
render-md-html-hint = use Markdown: **bold**, _italic_, [text](https://…)
render-md-link = a link that is not a web address is shown as plain text
render-md-link-hint = links must start with https://, http://, tg:// or mailto:
render-md-image = an image inside the text cannot be published; only its description is shown
render-md-image-hint = list the picture under `images:` and remove it from the text
render-md-table = tables cannot be shown on VK, OK or Telegram; the cells become lines of text
render-md-table-hint = write the table as a list, or make it a picture (a card) and add it to `images:`

## Why there is no preview (preview::PreviewError).

preview-error-not-a-plan = { $file } is not a post or plan under plans/<org-id>/ of { $root }
# $reason is why the system refused, from io-error.
preview-error-io = { $path }: { $reason }
preview-changed-title = Posts changed since { $rev }
preview-changed-none = No post changed.
preview-changed-deleted = deleted
preview-changed-needs = --changed-since writes pages into a folder: give --format html and -o DIR
