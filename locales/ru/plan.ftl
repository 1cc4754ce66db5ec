# Замечания, найденные при чтении планов, реестра и YAML (этап plan). У каждого сообщения здесь
# есть двойник с теми же переменными в locales/en/plan.ftl.
#
# Имена полей, пути, команды и примеры YAML пишем в обратных кавычках, как есть. Текст, который
# написал пользователь, — в «ёлочках».

## Где поле: $what в сообщениях yaml-… (предложный падеж, вместе с «в»).

what-plan-file = в файле плана
what-post = в посте
what-front-matter = в шапке поста
what-poll = в опросе
what-video = в разделе `video`
what-live = в разделе `live`
what-override-vk = в разделе `vk`
what-override-ok = в разделе `ok`
what-override-telegram = в разделе `telegram`
what-registry = в реестре
what-rules = в разделе `rules`
what-organization = в описании организации
what-responsible = в разделе `responsible`
what-profile = в разделе `profile`
what-page-vk = в описании страницы VK
what-page-ok = в описании страницы OK
what-page-telegram = в описании канала Telegram

## Что записано на самом деле: $found («а здесь …»).

kind-null = пусто
kind-bool = `true`/`false`
kind-number = число
kind-text = текст
kind-list = список
kind-map = группа полей

## Чтение полей.

# Одно имя в перечне полей или правил.
yaml-name = `{ $name }`
yaml-not-a-map = { $what } нужны строки вида `поле: значение`, а здесь { $found }
yaml-not-a-map-hint = Пишите по одному полю в строке, например `date: 2026-12-01 09:00`
# $expected — одно из сообщений yaml-expect-….
yaml-wrong-type = поле `{ $key }` { $what }: { $expected }, а здесь { $found }
yaml-expect-text = нужен текст
yaml-expect-text-hint = Напишите значение в той же строке, после двоеточия
yaml-expect-bool = нужно `true` или `false`
yaml-expect-bool-hint = Напишите `true` или `false` без кавычек
yaml-expect-number = нужно целое число от { $lo } до { $hi }
yaml-expect-number-hint = Напишите число от { $lo } до { $hi }
yaml-expect-list = нужен список
yaml-expect-list-hint = Напишите список в квадратных скобках, `[a, b]`, или по пункту `- …` в строке
yaml-expect-text-list = нужен список из текстов
yaml-expect-text-list-hint = Каждый пункт списка должен быть простым текстом
yaml-expect-map = нужна группа полей
yaml-expect-map-hint = Запишите поля под ним с отступом в два пробела
yaml-missing = { $what } нет поля `{ $key }`
yaml-missing-hint = Добавьте строку, например `{ $key }: { $example }`
yaml-unknown-field = { $what } незнакомое поле `{ $name }`
yaml-unknown-field-did-you-mean = Может быть, вы имели в виду `{ $best }`? Здесь бывают поля: { $known }
yaml-unknown-field-known = Здесь бывают поля: { $known }

## YAML, который не читается ($parser — слова самого разборщика, по-английски).

yaml-duplicate-key = поле `{ $key }` написано дважды
yaml-too-big = { $parser } (файл разворачивается в слишком много данных: якоря и ссылки или глубокая вложенность)
yaml-binary = здесь не может быть двоичных данных

## Посты и планы.

post-front-matter-yaml = ошибка в шапке поста: { $error }
post-front-matter-yaml-hint = Исправьте шапку между строками `---`
post-plan-yaml = ошибка в записи плана: { $error }
post-plan-yaml-hint = Исправьте запись в этом месте. Остальные файлы проверены как обычно
post-posts-not-a-list = в `posts` нужен список постов, а здесь { $found }
post-posts-not-a-list-hint = Запишите каждый пост пунктом `- date: …` под строкой `posts:`
post-no-posts = в файле плана нет списка `posts:`
post-no-posts-hint = Начните файл со строки `posts:` и перечислите под ней посты пунктами `- date: …`
post-bad-id = в `id` можно писать только буквы, цифры, «-», «_» и «.», не больше { $max } { $max ->
        [one] знака
       *[other] знаков
    }, а здесь «{ $value }»
post-bad-id-hint = Напишите короткое имя, например `concert-2026`, или уберите `id`: тогда именем станет название файла
post-networks-empty = список `networks` пуст: пост никуда не уйдёт
post-networks-empty-hint = Уберите `networks`, чтобы пост вышел на всех страницах, или перечислите сети: `[vk, telegram]`
post-unknown-network = такой сети нет: «{ $value }»
post-unknown-network-hint = Сети пишут так: `vk`, `ok` и `telegram`
post-bad-status = в `status` пишут `ready` или `draft`, а здесь «{ $value }»
post-bad-status-hint = Напишите `status: draft`, если текст ещё не готов, или уберите `status`
post-bad-external = в `external` не сказано, кто публикует пост
post-bad-external-hint = Напишите, кто публикует, например `external: Госпаблики`, или `external: true`
post-poll-no-options = в опросе нет вариантов ответа, `options`
post-poll-no-options-hint = Добавьте строку `options: [Да, Нет]`
post-live-url = ссылка на трансляцию должна начинаться с `https://`
post-live-url-hint = Скопируйте ссылку на трансляцию из адресной строки браузера
# $error — одно из сообщений date-….
post-poll-closes = поле `closes` в опросе: { $error }
post-no-front-matter = файл поста должен начинаться с шапки: строка `---`, поля поста и снова строка `---`
post-no-front-matter-hint = Напишите в первой строке `---`, затем `date: 2026-12-01 09:00`, затем `---`, а ниже текст поста
post-front-matter-unclosed = шапка поста открыта в строке 1, но не закрыта
post-front-matter-unclosed-hint = Закройте шапку строкой `---` после последнего поля, перед текстом поста

## Реестр, plans/registry.yaml.

registry-yaml = ошибка в записи реестра: { $error }
registry-yaml-hint = Исправьте запись в этом месте. Пока реестр не читается, проверки по нему пропущены
registry-timezone-hint = Напишите часовой пояс так, как он назван в базе поясов, например `Asia/Novokuznetsk`
registry-orgs-not-a-list = в `organizations` нужен список, а здесь { $found }
registry-orgs-not-a-list-hint = Запишите каждую организацию отдельным пунктом `- id: …`
registry-no-orgs = в реестре нет списка `organizations`
registry-no-orgs-hint = Добавьте `organizations:` и под ним по пункту `- id: …` на каждую организацию
registry-unknown-rule = в `rules.severity` незнакомое правило `{ $key }`
registry-unknown-rule-did-you-mean = Может быть, вы имели в виду `{ $best }`?
registry-unknown-rule-ids = Правила называются так: { $ids }
registry-guard-severity = правило `{ $key }` защищает чужие страницы и секреты, поэтому его уровень всегда `error`
registry-guard-severity-hint = Уберите `{ $key }` из `rules.severity`: такие посты всё равно не будут опубликованы
registry-bad-severity = для правила `{ $key }` можно указать только `error`, `warning` или `off`
registry-bad-severity-hint = Напишите `error`, `warning` или `off`
registry-no-required = у организации нет поля `required`
registry-no-required-hint = Напишите `required: true`, если организация есть в приложении 2 к постановлению, или `required: false`, если в приложении 3
registry-bad-org-id = «{ $id }» не годится для `id` организации
registry-bad-org-id-hint = Пишите строчными латинскими буквами, цифрами и «-», например `school-krapivino`: это имя папки организации в `plans/`
registry-bad-gospubliki = в `gospubliki` пишут `connected`, `requested` или `not-connected`, а здесь «{ $value }»
registry-bad-gospubliki-hint = Напишите одно из трёх: `connected` (подключены к Госпабликам), `requested` (подали заявку) или `not-connected` (не подключены)
registry-bad-moderation = в `moderation` пишут `delete`, `hold`, `report` или `off`, а здесь «{ $value }»
registry-bad-moderation-hint = Напишите одно из: { $values }. `report` (так по умолчанию) ничего не удаляет, а сообщает ответственному; `hold` удаляет только явные нарушения; `delete` удаляет и вероятные
registry-unknown-network = в `pages` незнакомая сеть «{ $key }»
registry-unknown-network-hint = Страницы записывают под ключами `vk`, `ok` или `telegram`
# $network — VK, OK или Telegram.
registry-bad-page-id = «{ $id }» не годится для `id` страницы { $network }
registry-bad-page-id-hint-vk = Номер сообщества VK — положительное число, например `200000001` (из адреса `vk.com/club200000001`)
registry-bad-page-id-hint-ok = Номер группы OK — число в кавычках, например `"70000000000001"`
registry-bad-page-id-hint-telegram = Канал Telegram пишут как `"@имя"` или числом, номером чата, например `-1001234567890`

## Чтение файлов репозитория.

# $reason — io-error (errors.ftl).
file-io = не получается прочитать файл: { $reason }
file-io-hint = Проверьте права доступа к файлу
file-not-regular = это не обычный файл, а канал, устройство или папка
file-outside = это ссылка на файл за пределами репозитория
file-too-large = файл больше { $kib } КБ
# $reason — file-not-regular или file-outside.
file-refused = `vestnik` не читает этот файл: { $reason }
file-refused-hint = Положите сюда сам пост обычным файлом: ссылки и особые файлы не читаются
# $reason — file-too-large.
file-plan-too-large = { $reason }, а план таким большим не бывает
file-plan-too-large-hint = Разбейте план на файлы по месяцам, а картинки храните в `media/`, не в `plans/`
file-not-utf8 = файл сохранён не в кодировке `UTF-8`: это двоичные данные или другая кодировка, например `Windows-1251`
file-not-utf8-hint = Сохраните файл в кодировке `UTF-8` в своём редакторе. Картинкам место в `media/`
file-not-utf8-short = файл сохранён не в кодировке `UTF-8`

## Даты, недели и часовые пояса.

date-unparseable = не получается понять дату и время «{ $text }»
date-unparseable-hint = Напишите местное время так: `2026-12-01 09:00`. Или со сдвигом часового пояса: `2026-12-01T09:00:00+07:00`
date-no-time = в «{ $text }» есть дата, но нет времени
date-no-time-hint = Добавьте время публикации, например `2026-12-01 09:00`
date-nonexistent = в часовом поясе `{ $zone }` времени { $text } нет или оно бывает дважды
date-nonexistent-hint = В это время переводят часы. Выберите время на час раньше или позже
date-bad-zone = «{ $name }» — не название часового пояса
date-not-a-week = «{ $text }» — не номер недели. Пишите так: `2026-W49`
date-no-such-week = в { $year } году нет { $week }-й недели
