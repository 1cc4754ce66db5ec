# `vestnik preview`: what each network will receive (text and HTML). Each message has a twin with
# the same variables in locales/ru/preview.ftl.

## Notes before publishing (render::publication::notes).

render-note-caption-too-long = the text is { $len } UTF-16 units, over Telegram's 1024 for a caption: the pictures go first without caption, then the text as its own message
render-note-ok-closes = OK has no documented closing time for polls: `closes` is not sent to OK

## Why a post cannot be rendered (render::publication::RenderError).

render-error-page-id = the { $network } page id `{ $id }` is not valid
render-error-image = the image `{ $image }` was not processed
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
