# Замечания правил `vestnik check`: сообщение и подсказка к каждому. У каждого сообщения здесь
# есть двойник с теми же переменными в locales/en/rules.ftl. Код сообщения начинается с кода
# правила.

## Списки сетей и глаголы, согласованные с ними.

# «VK и OK», «VK, OK и Telegram»: $head — все сети, кроме последней, через запятую.
networks-and = { $head } и { $last }

## unknown-org, foreign-org, unknown-network

unknown-org-not-in-registry = организации `{ $org }` нет в реестре
unknown-org-not-in-registry-hint = укажите `id` организации из plans/registry.yaml или уберите `org`: тогда публикация будет от организации этой папки
unknown-org-folder = папка plans/{ $folder }/ не совпадает ни с одной организацией реестра
unknown-org-folder-hint-closest = может быть, plans/{ $best }/? Папки называются по `id` организаций из plans/registry.yaml
unknown-org-folder-hint = переименуйте папку по `id` организации из plans/registry.yaml или добавьте организацию в реестр
foreign-org-folder-not-org = публикация лежит в plans/{ $folder }/, а написана от имени `{ $org }`; такой организации, как эта папка, в реестре нет
foreign-org-folder-not-org-hint = перенесите файл в plans/{ $org }/
foreign-org-not-allowed = публикация лежит в plans/{ $folder }/, а написана от имени `{ $org }`
foreign-org-not-allowed-hint = перенесите файл в plans/{ $org }/ или разрешите это в реестре: добавьте `{ $org }` в `can_post_for` у `{ $folder }`
unknown-network-no-page = у «{ $org }» нет страницы в { $net }
unknown-network-no-page-hint = уберите эту сеть из `networks` или сначала добавьте страницу в реестр
unknown-network-override = здесь есть отдельный блок для { $net }, но у «{ $org }» нет страницы в { $net }
unknown-network-override-hint = уберите этот блок или добавьте страницу в реестр

## secret

secret-found = похоже, это { $kind } (`{ $masked }`): токены нельзя хранить в репозитории
secret-found-hint = удалите его и отзовите токен: он уже остался в истории репозитория. Токены передавайте программе через файл секретов или переменные окружения
secret-kind-vk = ключ доступа VK
secret-kind-telegram = токен бота Telegram
secret-kind-hex = секретный ключ OK или приложения (длинная строка из цифр и букв)
secret-kind-access = ключ доступа

## duplicate-id, stray-file, имена файлов, файл реестра

duplicate-id-used-twice = код публикации `{ $id }` у `{ $org }` уже занят: { $others }. Ни одна из этих публикаций не выйдет, пока коды совпадают
duplicate-id-used-twice-hint = переименуйте один из файлов или задайте одной из публикаций свой `id:`
stray-file-not-read = этот файл программа не читает: публикации пишут в файлах `.md`, планы — в `.yaml`
stray-file-not-read-hint = если это публикация или план, переименуйте файл в `.md` или `.yaml`. Другие документы уберите из plans/, картинки перенесите в media/
yaml-bad-file-name = этот файл программа не читает: в его имени есть служебные символы (например, перенос строки) или неверная кодировка
yaml-bad-file-name-hint = переименуйте файл: оставьте в имени только буквы, цифры, `-` и `_`
yaml-registry-missing = нет реестра plans/registry.yaml
yaml-registry-missing-hint = создайте plans/registry.yaml с полями `timezone`, `rules` и `organizations` (образец есть в `README`)

## draft-due

draft-due-passed = время публикации уже прошло, а это всё ещё черновик
draft-due-passed-hint = допишите текст и уберите `status: draft` или перенесите дату
draft-due-soon = до публикации { $hours ->
        [one] остался { $hours } час
        [few] осталось { $hours } часа
       *[other] осталось { $hours } часов
    }, а это всё ещё черновик
draft-due-soon-hint = допишите текст и уберите `status: draft`, иначе публикация не выйдет

## text-length, empty-post, album-size

# $unit — `utf16` (Telegram считает единицы UTF-16, эмодзи идут за две) или `chars`.
text-length-too-long = после оформления в тексте для { $net } { $len } { $len ->
        [one] знак
        [few] знака
       *[other] знаков
    }{ $unit ->
        [utf16] {" "}(по счёту { $net }, где эмодзи идёт за два)
       *[chars] {""}
    }, а { $net } принимает не больше { $max }. Лишних: { $over }
text-length-too-long-hint = сократите текст или напишите для { $net } отдельный, более короткий текст в блоке `{ $key }: {"{"}text: …{"}"}`
empty-post-nothing = публикации нечего показать в { $net }: нет ни текста, ни картинок, ни опроса
empty-post-nothing-hint = напишите текст или пометьте тему `status: draft`, пока она не готова
# $count — сколько сетей в $networks.
album-size-too-many = в публикации { $n } { $n ->
        [one] картинка
        [few] картинки
       *[other] картинок
    }, а { $networks } { $count ->
        [one] принимает
       *[other] принимают
    } не больше { $max }
album-size-too-many-hint = оставьте { $max } лучших или разделите альбом на две публикации

## poll

poll-question-empty = у опроса нет вопроса
poll-question-empty-hint = напишите вопрос
poll-question-long = в вопросе опроса { $len } { $len ->
        [one] знак
        [few] знака
       *[other] знаков
    }, а { $networks } { $count ->
        [one] принимает
       *[other] принимают
    } не больше { $max }
poll-question-long-hint = сократите вопрос, а подробности напишите в тексте публикации
poll-options-count = в опросе { $n } { $n ->
        [one] вариант
        [few] варианта
       *[other] вариантов
    } ответа, а { $ranges }
# Одна часть $ranges.
poll-options-range = { $net } принимает от { $min } до { $max }
poll-options-count-hint = измените число вариантов, чтобы оно подошло всем сетям этой публикации
poll-option-empty = пустой вариант ответа
poll-option-empty-hint = напишите вариант или удалите его
poll-option-long = в варианте ответа { $len } { $len ->
        [one] знак
        [few] знака
       *[other] знаков
    }, а { $networks } { $count ->
        [one] принимает
       *[other] принимают
    } не больше { $max }
poll-option-long-hint = сократите вариант
poll-option-twice = вариант «{ $option }» повторяется
poll-option-twice-hint = сделайте все варианты разными
poll-alone = в { $net } опрос не может выйти один, без текста или картинки
poll-alone-hint = добавьте к публикации пару слов или картинку
poll-closes-early = опрос закроется раньше, чем выйдет публикация (или в ту же минуту)
poll-closes-early-hint = поставьте в `closes` время позже, чем `date` публикации
poll-closes-late = Telegram закрывает опрос не позже чем через 30 дней после публикации
poll-closes-late-hint = поставьте в `closes` время не дальше 30 дней от `date` или уберите `closes`

## media-missing, media-path, media-format, media-size

schema-image-empty = путь к картинке пустой
schema-image-empty-hint = напишите имя файла или удалите пустой пункт
media-path-absolute = путь `{ $path }` начинается от корня диска
media-path-escapes = путь `{ $path }` ведёт за пределы media/{ $org }/
media-path-symlink-out = `{ $path }` — ссылка на файл за пределами media/{ $org }/
media-path-missing = файла `{ $path }` нет
media-path-not-a-file = `{ $path }` — это не файл с картинкой (например, папка)
media-path-hint = храните картинки в media/{ $org }/ и пишите путь от этой папки
media-missing-hint = положите картинку в media/{ $org }/ и напишите здесь её имя, например `images: [photo.jpg]`
media-format-unreadable = файл не читается: { $reason }
media-format-not-a-file = файл не читается: это не обычный файл
media-format-unsupported = это картинка { $format }, а подходят только JPEG, PNG, WebP и GIF
media-format-not-an-image = это не картинка или незнакомый формат (подходят JPEG, PNG, WebP и GIF)
media-format-damaged = файл { $format } повреждён: { $detail }
media-format-hint = сохраните картинку в JPEG или PNG (это умеют телефоны и любые редакторы)
media-size-file-too-large = файл весит { $mb } МБ, а можно не больше { $max } МБ
media-size-file-too-large-hint = уменьшите его до { $max } МБ: сохраните заново в JPEG поменьше (2560 точек по длинной стороне хватит) или с качеством пониже
media-size-no-pixels = в картинке нет ни одной точки
media-size-megapixels = { $width }×{ $height } — это { $mp } { $mp ->
        [one] мегапиксель
        [few] мегапикселя
       *[other] мегапикселей
    }, а больше { $max } { $max ->
        [one] мегапикселя
       *[other] мегапикселей
    } программа не берёт (так она защищается от файлов-бомб)
media-size-ratio = { $width }×{ $height }: картинка вытянута больше чем в { $ratio } { $ratio ->
        [few] раза
       *[other] раз
    }, и уменьшение не исправит её форму
# $why — одна из трёх причин выше; $count — сколько сетей в $networks.
media-size-unfit = { $why }; { $networks } { $count ->
        [one] не примет
       *[other] не примут
    } такую картинку
media-size-unfit-hint = обрежьте картинку до обычных пропорций (например, 4:3 или 1:1) и сохраните заново

## three-per-week, variety

three-per-week-missing = у «{ $org }» в { $net } на неделе { $span } (`{ $week }`) { $counted } из { $min } { $min ->
        [one] публикации
       *[other] публикаций
    }, не хватает { $missing }
three-per-week-missing-drafts = у «{ $org }» в { $net } на неделе { $span } (`{ $week }`) { $counted } из { $min } { $min ->
        [one] публикации
       *[other] публикаций
    }, не хватает { $missing } (ещё { $drafts } в черновиках)
three-per-week-drafts-hint = допишите черновики этой недели и уберите у них `status: draft`
three-per-week-missing-hint = добавьте в plans/{ $org }/ { $missing } { $missing ->
        [one] публикацию
        [few] публикации
       *[other] публикаций
    } на даты { $span } или отметьте публикацию на другой площадке через `external: Госпаблики`
variety-plain-only = у «{ $org }» в { $net } на неделе { $span } (`{ $week }`) только публикации без картинок
variety-plain-only-hint = добавьте фото, карточку или опрос хотя бы к одной публикации недели: постановление требует разнообразия

## registry-*

schema-registry-id-twice = `id: { $id }` есть у двух организаций
schema-registry-id-twice-hint = дайте каждой организации свой `id`
registry-duplicate-name = организация «{ $name }» записана в реестре дважды (ещё как `{ $first }`)
registry-duplicate-name-hint = оставьте одну запись на организацию: в постановлении некоторые названы дважды
registry-duplicate-page = страница `{ $page }` в { $net } уже записана за `{ $first }`
registry-duplicate-page-hint = у каждой официальной страницы одна организация
registry-pages-missing = у «{ $name }» нет официальной страницы в { $networks }
registry-pages-missing-hint = заведите страницы и добавьте их в `pages:` с полями `id`, `url`, `verified`, `two_factor` и `admins`
registry-2fa-off = у страницы «{ $name }» в { $net } не отмечена двухфакторная защита входа
registry-2fa-off-hint = включите двухфакторную защиту у всех, кто управляет страницей, и напишите `two_factor: true`
registry-verified-no-mark = у страницы «{ $name }» в { $net } нет отметки «Госорганизация»
registry-verified-no-mark-hint = подтвердите статус страницы через Госуслуги и напишите `verified: true`
registry-gospubliki-off = организация «{ $name }» не подключена к Госпабликам
registry-gospubliki-off-hint = попросите ЦУР подключить страницы и напишите `gospubliki: requested`, а после подключения — `connected`
registry-responsible-none = у «{ $name }» не указан ответственный за страницы
# $missing — пункты ниже через запятую.
registry-responsible-lacks = у ответственного за страницы «{ $name }» не указаны: { $missing }
registry-responsible-name = ФИО
registry-responsible-phone = телефон
registry-responsible-email = почта
registry-responsible-hint = заполните `responsible:`: `name`, `position`, `phone`, `email` и `since`. О каждой замене сообщайте в ЦУР
# $missing — пункты ниже через запятую.
registry-profile-lacks = в описании страниц «{ $name }» не хватает: { $missing }
registry-profile-description = описание
registry-profile-address = адрес
registry-profile-map = ссылка на карту
registry-profile-phones = телефоны
registry-profile-hours = часы работы
registry-profile-links = ссылки на другие страницы
registry-profile-hint = постановление требует от каждой страницы описание, адрес со ссылкой на карту, телефоны, часы работы и ссылки на другие страницы (`url` каждой страницы)

## style: файл правил стиля и замечания к текстам

yaml-style-invalid = правила стиля записаны с ошибкой: { $error }
schema-style-empty-phrase = фраза `{ $phrase }` правила стиля `{ $rule }` подходит к пустому тексту и нашлась бы везде
schema-style-empty-phrase-hint = напишите перед `*` хотя бы одну букву, например `провод*`
schema-style-nothing-to-match = правилу стиля `{ $rule }` нечего искать
schema-style-nothing-to-match-hint = добавьте `match: ["слово", "основа*"]`
schema-style-bad-pattern = правило стиля `{ $rule }` не удалось собрать: { $error }
# $text — найденная фраза, $message — сообщение самого правила (из файла правил).
style-phrase = «{ $text }»: { $message }
style-phrase-hint = лучше: { $suggest }
style-long-sentence = предложение «{ $first }…» длиной { $words } { $words ->
        [one] слово
        [few] слова
       *[other] слов
    }: его трудно дочитать
style-long-sentence-hint = разбейте на два-три предложения до { $max } слов
style-noun-chain = «{ $text }»: цепочка отглагольных существительных, текст читается тяжело
style-noun-chain-hint = перестройте фразу вокруг глагола: не «проведение обследования», а «проверим»

# `vestnik rules`: что проверяет каждое правило, одной строкой. Имя сообщения — rule- и id правила.
rule-yaml = Ошибка в YAML или в шапке поста (в том числе незакрытый блок `---`), файл не читается, слишком велик или не в UTF-8.
rule-schema = Неизвестное поле, значение не того вида или нет обязательного поля.
rule-duplicate-id = У двух постов одной организации один номер (одно имя файла в двух папках или `id:`, равный имени другого поста): не выйдет ни один, пока один не переименуют.
rule-date = Дата не читается, в ней нет времени или такого местного времени не бывает.
rule-unknown-org = Папка или пост называет организацию, которой нет в реестре.
rule-foreign-org = Пост из папки одной организации адресован другой, а публиковать за неё нельзя.
rule-unknown-network = Пост адресован сети, где у организации нет страницы.
rule-three-per-week = На официальной странице за ISO-неделю меньше публикаций, чем нужно (если не хватает только черновиков — предупреждение).
rule-text-length = Текст после оформления длиннее, чем принимает сеть.
rule-poll = Опрос не укладывается в правила сети.
rule-album-size = Картинок больше, чем сеть берёт в один пост.
rule-markdown = Разметка, которую ни одна сеть не покажет как написано: картинки внутри текста, таблицы, HTML.
rule-empty-post = Готовому посту нечего публиковать в сети: нет ни текста, ни картинок, ни опроса.
rule-media-missing = Файла с картинкой нет.
rule-media-path = Путь к картинке выходит за media/<org-id>/ (абсолютный путь, `..`, ссылка наружу).
rule-media-format = Картинка — не JPEG, PNG, WebP или GIF, который можно прочитать; видео или анимация повреждены, оказались картинкой или FFmpeg их не читает.
rule-media-size = Картинку не подогнать под сеть (слишком вытянута, слишком много точек) или её файл слишком велик; ролик слишком длинный или тяжёлый (для Telegram — больше 50 МБ после сжатия).
rule-media-tool = В публикации видео или анимация, а FFmpeg (ffprobe, ffmpeg) не установлен: ролик не проверить.
rule-secret = В файле плана похожая на ключ доступа строка (ключам не место в git).
rule-style = Канцелярит, штампы, цепочки отглагольных существительных, слишком длинные предложения.
rule-variety = На неделе у страницы только текстовые посты (постановление просит фото, карточки, видео, опросы).
rule-draft-due = Черновик должен выйти в ближайшие 48 часов (когда время пройдёт — ошибка).
rule-stray-file = Файл в plans/, который vestnik не читает (читает только .md, .yaml, .yml).
rule-registry-duplicate = У двух организаций одно название или один номер страницы (один номер дважды — ошибка `schema`).
rule-registry-pages = У обязательной организации нет страницы в сети.
rule-registry-2fa = У администраторов страницы не отмечена двухфакторная защита.
rule-registry-verified = У страницы в VK или OK нет отметки «Госорганизация».
rule-registry-gospubliki = Обязательная организация не подключена к Госпабликам.
rule-registry-responsible = У обязательной организации нет ответственного с телефоном и почтой.
rule-registry-profile = В профиле страницы нет описания, адреса с картой, телефонов, часов работы или ссылок на другие страницы.

## Видео и анимация: media-format, media-size, media-tool

video-tool-missing = не найдена программа { $tool } (нужен пакет ffmpeg)
video-timeout = программа { $tool } не уложилась в { $secs } с
video-damaged = файл повреждён или это не видео: { $detail }
video-still = это картинка { $format }, а не видео (файл переименовали?)
video-too-large = файл весит { $mb } МБ, а видео берём до { $max } МБ
video-too-long = ролик идёт { $secs } с, а можно не дольше { $max } с
video-too-long-telegram = ролик идёт { $secs } с: чтобы уложиться в 50 МБ для Telegram, картинку пришлось бы сжать до каши (можно до { $max } с)
video-failed = FFmpeg не справился: { $detail }
video-format-hint = сохраните ролик в MP4 (H.264): так умеет любой телефон и видеоредактор
video-size-hint = сократите ролик или разделите его на части
video-animation-and-video = в одной публикации и видео, и анимация, а сети принимают что-то одно
video-animation-and-video-hint = оставьте `video` или `animation`
media-tool-missing = чтобы проверить видео, нужен FFmpeg, а { $tool } не найден
media-tool-missing-hint = установите пакет ffmpeg (`apt-get install ffmpeg`) или укажите путь в VESTNIK_FFMPEG и VESTNIK_FFPROBE
