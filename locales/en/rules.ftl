# Findings of the rules of `vestnik check`: a message and a hint for each. Each message here has
# a twin with the same variables in locales/ru/rules.ftl. Ids start with the rule's id.

## Lists of networks and the verbs that agree with them.

# "VK and OK", "VK, OK and Telegram": $head is the list but the last, joined with ", ".
networks-and = { $head } and { $last }

## unknown-org, foreign-org, unknown-network

unknown-org-not-in-registry = `{ $org }` is not an organization of the registry
unknown-org-not-in-registry-hint = use the id of an organization from plans/registry.yaml, or leave `org` out to post for the folder's organization
unknown-org-folder = the folder plans/{ $folder }/ is not an organization of the registry
unknown-org-folder-hint-closest = did you mean plans/{ $best }/? Folder names are organization ids from plans/registry.yaml
unknown-org-folder-hint = rename the folder to an organization id from plans/registry.yaml, or add the organization there
foreign-org-folder-not-org = a post in plans/{ $folder }/, which is not an organization of the registry, is for `{ $org }`
foreign-org-folder-not-org-hint = move the file to plans/{ $org }/
foreign-org-not-allowed = a post in plans/{ $folder }/ is for `{ $org }`
foreign-org-not-allowed-hint = move the file to plans/{ $org }/, or let `{ $folder }` post for it with `can_post_for` in the registry
unknown-network-no-page = «{ $org }» has no { $net } page
unknown-network-no-page-hint = remove it from `networks`, or add the page to the registry first
unknown-network-override = an override for { $net }, but «{ $org }» has no { $net } page
unknown-network-override-hint = remove the override or add the page to the registry

## secret

secret-found = this looks like { $kind } ({ $masked }); tokens must never be in git
secret-found-hint = delete it, revoke the token (it is in the git history now), and give the daemon tokens through its secrets file or environment
secret-kind-vk = a VK access token
secret-kind-telegram = a Telegram bot token
secret-kind-hex = an OK or app secret key (long hex)
secret-kind-access = an access token

## duplicate-id, stray-file, file names, the registry file

duplicate-id-used-twice = the post id `{ $id }` of `{ $org }` is also used in { $others }; neither post is published until the ids differ
duplicate-id-used-twice-hint = rename one of the files, or give one post its own `id:`
stray-file-not-read = vestnik does not read this file: posts are .md files, plans are .yaml files
stray-file-not-read-hint = rename it to .md or .yaml if it is a post or a plan; move other documents out of plans/, pictures to media/
yaml-bad-file-name = vestnik does not read this file: its name has control characters (a line break, an escape) or is not UTF-8
yaml-bad-file-name-hint = rename it with letters, digits, '-' and '_' only
yaml-registry-missing = the registry plans/registry.yaml is missing
yaml-registry-missing-hint = create plans/registry.yaml with `timezone`, `rules` and `organizations` (see README)

## draft-due

draft-due-passed = this draft's publication time has passed
draft-due-passed-hint = finish the text and remove `status: draft`, or move the date
draft-due-soon = this draft is due in { $hours } h and is still a draft
draft-due-soon-hint = finish the text and remove `status: draft`, or it will not be published

## text-length, empty-post, album-size

# $unit is `utf16` (Telegram counts UTF-16 units) or `chars`.
text-length-too-long = the text is { $len } { $unit ->
        [utf16] UTF-16 units
       *[chars] characters
    } on { $net } after formatting; { $net } takes at most { $max } ({ $over } too many)
text-length-too-long-hint = shorten the text, or give { $net } its own shorter text under `{ $key }: {"{"}text: …{"}"}`
empty-post-nothing = the post has nothing to publish on { $net }: no text, no images, no poll
empty-post-nothing-hint = write the text, or mark the topic `status: draft` until it is ready
# $count is the number of networks in $networks.
album-size-too-many = { $n } images, but { $networks } { $count ->
        [one] takes
       *[other] take
    } at most { $max } in one post
album-size-too-many-hint = keep the best { $max }, or split the album into two posts

## poll

poll-question-empty = the poll question is empty
poll-question-empty-hint = write the question
poll-question-long = the poll question is { $len } characters; { $networks } { $count ->
        [one] takes
       *[other] take
    } at most { $max }
poll-question-long-hint = shorten the question; details can go into the post text
poll-options-count = the poll has { $n } options; { $ranges }
# One item of $ranges.
poll-options-range = { $net } takes { $min } to { $max }
poll-options-count-hint = change the number of options to fit every network the post goes to
poll-option-empty = a poll option is empty
poll-option-empty-hint = write the option or remove it
poll-option-long = a poll option is { $len } characters; { $networks } { $count ->
        [one] takes
       *[other] take
    } at most { $max }
poll-option-long-hint = shorten the option
poll-option-twice = the option «{ $option }» is listed twice
poll-option-twice-hint = each option must be different
poll-alone = on { $net } a poll cannot be a post's only content
poll-alone-hint = add a few words of text or a picture to the post
poll-closes-early = the poll closes before (or right when) the post is published
poll-closes-early-hint = set `closes` after the post's `date`
poll-closes-late = Telegram closes polls at most 30 days after they are posted
poll-closes-late-hint = set `closes` within 30 days of the post's `date`, or leave it out

## media-missing, media-path, media-format, media-size

schema-image-empty = an image path is empty
schema-image-empty-hint = write the file name, or remove the empty item
media-path-absolute = `{ $path }` is an absolute path
media-path-escapes = `{ $path }` leaves media/{ $org }/
media-path-symlink-out = `{ $path }` is a link to a file outside media/{ $org }/
media-path-missing = `{ $path }` does not exist
media-path-not-a-file = `{ $path }` is not a regular file
media-path-hint = keep pictures inside media/{ $org }/ and write paths relative to it
media-missing-hint = put the picture into media/{ $org }/ and write its name here, e.g. `images: [photo.jpg]`
media-format-unreadable = cannot read the file: { $reason }
media-format-not-a-file = cannot read the file: it is not a regular file
media-format-unsupported = it is a { $format } image; vestnik takes JPEG, PNG, WebP or GIF
media-format-not-an-image = it is not an image vestnik can read (JPEG, PNG, WebP or GIF)
media-format-damaged = the { $format } file is damaged: { $detail }
media-format-hint = save the picture as JPEG or PNG (phones and editors can export it)
media-size-file-too-large = the file is { $mb } MB; vestnik takes image files up to { $max } MB
media-size-file-too-large-hint = shrink it below { $max } MB: save it again as JPEG with fewer pixels (2560 px on the long side is plenty) or a lower quality
media-size-no-pixels = the image has no pixels
media-size-megapixels = { $width }×{ $height } is { $mp } megapixels; vestnik refuses images over { $max } megapixels (a guard against decompression bombs)
media-size-ratio = { $width }×{ $height } is more than { $ratio } times longer than it is wide, and resizing cannot fix the shape
# $why is one of the three above; $count is the number of networks in $networks.
media-size-unfit = { $why }; { $networks } { $count ->
        [one] refuses
       *[other] refuse
    } it
media-size-unfit-hint = crop the picture to a normal shape (e.g. 4:3 or 1:1) and save it again

## three-per-week, variety

three-per-week-missing = «{ $org }» has { $counted } of { $min } publications on { $net } in { $week } ({ $span }); { $missing } missing
three-per-week-missing-drafts = «{ $org }» has { $counted } of { $min } publications on { $net } in { $week } ({ $span }); { $missing } missing ({ $drafts } more planned as drafts)
three-per-week-drafts-hint = finish the drafts of that week and remove `status: draft`
three-per-week-missing-hint = add { $missing } post(s) dated { $span } under plans/{ $org }/, or record a publication made elsewhere with `external: Госпаблики`
variety-plain-only = «{ $org }» has only plain text posts on { $net } in { $week } ({ $span })
variety-plain-only-hint = add photos, a card or a poll to one of the week's posts: the decree asks for varied content

## registry-*

schema-registry-id-twice = the id `{ $id }` is used by two organizations
schema-registry-id-twice-hint = give each organization its own id
registry-duplicate-name = «{ $name }» is listed twice (also as `{ $first }`)
registry-duplicate-name-hint = keep one entry per organization; the decree lists some twice
registry-duplicate-page = { $net } page { $page } is also the page of `{ $first }`
registry-duplicate-page-hint = each official page belongs to one organization
registry-pages-missing = «{ $name }» has no official page on { $networks }
registry-pages-missing-hint = create the pages, then add them under `pages:` with id, url, verified, two_factor and admins
registry-2fa-off = the { $net } page of «{ $name }» is not marked as protected by two-factor authentication
registry-2fa-off-hint = turn on 2FA for every account that administers the page, then write `two_factor: true`
registry-verified-no-mark = the { $net } page of «{ $name }» has no «Госорганизация» mark
registry-verified-no-mark-hint = confirm the page's status through Госуслуги, then write `verified: true`
registry-gospubliki-off = «{ $name }» is not connected to Госпаблики
registry-gospubliki-off-hint = ask ЦУР to connect the pages, then write `gospubliki: requested` and later `connected`
registry-responsible-none = «{ $name }» has no responsible person for its pages
# $missing lists the three items below, joined with ", ".
registry-responsible-lacks = the responsible person of «{ $name }» lacks { $missing }
registry-responsible-name = name
registry-responsible-phone = phone
registry-responsible-email = email
registry-responsible-hint = fill `responsible:` with name, position, phone, email and since; ЦУР must be told of every change
# $missing lists the items below, joined with ", ".
registry-profile-lacks = the page profile of «{ $name }» lacks { $missing }
registry-profile-description = description
registry-profile-address = address
registry-profile-map = map link
registry-profile-phones = phones
registry-profile-hours = hours
registry-profile-links = links to the other pages
registry-profile-hint = the decree asks every page for a description, the address with a map, phones, hours and links to the other pages (`url` of each page)

## style: the style file and the findings in texts

yaml-style-invalid = the style rules are not valid YAML: { $error }
schema-style-empty-phrase = the phrase `{ $phrase }` of style rule `{ $rule }` matches empty text, so it would match everywhere
schema-style-empty-phrase-hint = write at least one letter before `*`, e.g. `осуществл*`
schema-style-nothing-to-match = style rule `{ $rule }` has nothing to match
schema-style-nothing-to-match-hint = add `match: ["слово", "основа*"]`
schema-style-bad-pattern = style rule `{ $rule }` cannot be compiled: { $error }
# The findings in texts stay Russian in English too: they judge Russian prose, and their phrases
# and advice come from the Russian rules file (rules/style.yaml). $text is the phrase found,
# $message the rule's own message.
style-phrase = «{ $text }»: { $message }
style-phrase-hint = лучше: { $suggest }
style-long-sentence = предложение «{ $first }…» длиной { $words } слов: его трудно дочитать
style-long-sentence-hint = разбейте на два-три предложения до { $max } слов
style-noun-chain = «{ $text }»: цепочка отглагольных существительных, текст читается тяжело
style-noun-chain-hint = перестройте фразу вокруг глагола: не «проведение обследования», а «проверим»

# `vestnik rules`: what each rule checks, in one line. The message is rule- and the rule's id.
rule-yaml = Malformed YAML or front matter (including an unclosed `---` block), unreadable or oversized files, invalid UTF-8.
rule-schema = Unknown field, wrong type or missing required field.
rule-duplicate-id = Two posts of one organization with the same id (the same file name in two folders, an `id:` equal to another post's): neither is published until one is renamed.
rule-date = Unparseable date, a date without a time, or a local time that does not exist.
rule-unknown-org = A folder or post names an organization that is not in the registry.
rule-foreign-org = A post in one organization's folder targets another organization that it may not post for.
rule-unknown-network = A post targets a network on which the organization has no page.
rule-three-per-week = An official page has fewer than the minimum publications in an ISO week (drafts alone only warn).
rule-text-length = Text too long for a network after rendering.
rule-poll = A poll violates a network's limits.
rule-album-size = More images than a network takes in one post.
rule-markdown = Markdown that no network can show as written: images inside the text, tables, raw HTML.
rule-empty-post = A ready post has nothing to publish on a network: no text, no images, no poll.
rule-media-missing = An image file does not exist.
rule-media-path = An image path leaves media/<org-id>/ (absolute path, `..`, symlink out).
rule-media-format = An image is not a decodable JPEG, PNG, WebP or GIF; a video or animation is damaged, a still picture, or not readable by FFmpeg.
rule-media-size = An image cannot be adapted to a network's limits (extreme ratio, too many pixels), or its file is too large to read; a clip is too long or too large (for Telegram: 50 MB after adaptation).
rule-media-tool = A post has a video or animation and FFmpeg (ffprobe, ffmpeg) is not installed: the clip cannot be checked.
rule-secret = A token-like string in a plan file (tokens never belong in git).
rule-style = Bureaucratese (канцелярит), stock phrases, chains of verbal nouns, over-long sentences.
rule-variety = A page's week has only plain text posts (the decree asks for photos, cards, video, polls).
rule-draft-due = A draft is due within 48 hours (an error once its time has passed).
rule-stray-file = A file under plans/ that vestnik does not read (only .md, .yaml, .yml).
rule-registry-duplicate = Two organizations with the same name or the same page id (the same id twice is a `schema` error).
rule-registry-pages = A required organization has no page on a network.
rule-registry-2fa = A page's administrator accounts are not marked as protected by 2FA.
rule-registry-verified = A VK or OK page has no «Госорганизация» mark.
rule-registry-gospubliki = A required organization is not connected to Госпаблики.
rule-registry-responsible = A required organization has no responsible person with phone and e-mail.
rule-registry-profile = A page profile lacks description, address with map, phones, hours or links to the other pages.

## Video and animation: media-format, media-size, media-tool

video-tool-missing = { $tool } is not installed (the ffmpeg package is needed)
video-timeout = { $tool } took longer than { $secs } s
video-damaged = the file is damaged or not a video: { $detail }
video-still = it is a still { $format } picture, not a video (a renamed file?)
video-too-large = the file is { $mb } MB; vestnik takes clips up to { $max } MB
video-too-long = the clip lasts { $secs } s; at most { $max } s
video-too-long-telegram = the clip lasts { $secs } s: to fit Telegram's 50 MB it would be unwatchable (at most { $max } s)
video-failed = FFmpeg failed: { $detail }
video-format-hint = save the clip as MP4 (H.264): every phone and video editor can
video-size-hint = shorten the clip or split it in parts
video-animation-and-video = the post has both a video and an animation; the networks take one
video-animation-and-video-hint = keep `video` or `animation`
media-tool-missing = checking a video needs FFmpeg, and { $tool } was not found
media-tool-missing-hint = install the ffmpeg package (`apt-get install ffmpeg`) or set VESTNIK_FFMPEG and VESTNIK_FFPROBE to its programs
