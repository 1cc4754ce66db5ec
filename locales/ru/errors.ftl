# Ошибки команд: почему команда не смогла работать (код выхода 2). Двойники с теми же
# переменными — в locales/en/errors.ftl.
#
# Пути, флаги, имена полей и команды пишем в обратных кавычках или как есть (пути). Говорим, что
# не так и как это исправить.

## Отказ системы. $kind — вид отказа (not-found, permission-denied…), $os — слова самой
## системы, по-английски: их показываем только для редких видов.

io-error = { $kind ->
        [not-found] нет такого файла или папки
        [permission-denied] нет прав доступа
        [already-exists] такой файл уже есть
        [invalid-data] данные испорчены или записаны не в той кодировке
        [is-a-directory] это папка, а нужен файл
        [not-a-directory] в пути стоит файл там, где нужна папка
        [directory-not-empty] папка не пустая
        [read-only] диск открыт только для чтения
        [storage-full] на диске кончилось место
        [file-too-large] файл слишком большой
        [addr-in-use] этот адрес уже занят другой программой
        [addr-not-available] такого адреса нет на этой машине
        [connection-refused] соединение не принято
        [timed-out] время ожидания вышло
        [unexpected-eof] данные оборвались на середине
        [out-of-memory] не хватило памяти
       *[other] система ответила: { $os }
    }

## Флаги.

cli-bad-lang = `vestnik` не знает языка `{ $code }`: есть `ru` и `en`
cli-bad-network = сети `{ $key }` нет: есть `vk`, `ok` и `telegram`
# Ошибка значения флага: $flag — флаг (`--network`), $error — что с ним не так.
cli-bad-value = `{ $flag }`: { $error }
cli-now = `--now`: { $error }
cli-publish-needs-due = добавьте флаг `--due`: `publish` публикует то, чему пришло время
cli-resolve-bad-publication = укажите публикацию как `ORG/POST`, так же как её показывает `vestnik status`
cli-resolve-not-open = публикация { $org }/{ $post } в { $network } не под вопросом и не сорвалась, решать нечего. Посмотрите `vestnik status`
cli-unknown-org = в реестре нет организации `{ $org }`: проверьте `id` в plans/registry.yaml

## Команды.

cli-write = не получается записать { $path }: { $reason }
cli-runtime = `vestnik` не запускается: { $reason }
cli-emulators = эмуляторы не запускаются: { $reason }
cli-alerts-need-telegram = оповещения отправляет бот Telegram: добавьте его в раздел `networks.telegram`
cli-registry = не получается прочитать реестр в { $root }: { $reason }
cli-registry-broken = { $file }: { $reason }

## Файл настроек.

what-config = в файле настроек
what-config-source = в разделе `source`
what-config-jobs = в разделе `jobs`
what-config-alerts = в разделе `alerts`
what-config-rate-limits = в разделе `rate_limits`
what-config-network = в описании сети
config-yaml = ошибка в YAML: { $error }
config-at-network = сеть `{ $network }`: { $problem }
config-language = в поле `language` бывает `ru` или `en`, а здесь `{ $value }`
config-log = поле `log`: { $error }
config-monitor-not-loopback = в поле `monitor` нужен локальный адрес, а `{ $addr }` виден снаружи. У /healthz и /metrics нет пароля, поэтому они слушают только 127.0.0.1 или ::1
config-monitor-bad = в поле `monitor` нужен адрес вида `127.0.0.1:9187`, а здесь `{ $value }`
config-source-incomplete = в разделе `source` нужны `git` (адрес репозитория) и `checkout` (отдельная папка для копии репозитория)
config-alerts-no-chat = в разделе `alerts` нужен `telegram_chat`: номер чата МЦУ или его `@имя`
config-network-not-a-map = под `{ $name }` нужна группа полей
config-network-unknown = сети `{ $name }` нет: есть `vk`, `ok` и `telegram`
config-ok-no-key = нет поля `application_key`: впишите открытый ключ приложения OK
config-secret-missing = укажите `{ $env }` (переменную окружения) или `{ $file }` (файл, который читает только владелец)
config-secret-in-repo = файл с секретом { $path } лежит в репозитории с планами. Перенесите его, например в /etc/vestnik/, чтобы он не попал в `git`
log-format-unknown = формата журнала `{ $value }` нет: есть `human` и `json`

## Секреты: токены и ключи. Их значения не показываем никогда.

secret-env-missing = переменная окружения `{ $var }` не задана
secret-env-not-unicode = в переменной окружения `{ $var }` текст не в кодировке UTF-8
secret-env-empty = переменная окружения `{ $var }` пустая
secret-read = не получается прочитать файл с секретом { $path }: { $reason }
secret-too-open = файл с секретом { $path } могут читать другие пользователи (права { $mode }). Закройте его: `chmod 600 { $path }`
secret-not-a-file = { $path } — не файл с секретом, а канал, устройство или папка. Укажите файл, в котором записано только значение
secret-too-large = файл с секретом { $path } больше { $kib } КБ, а токен намного короче. Укажите файл, в котором записано только значение
secret-empty = файл с секретом { $path } пустой

## Журнал публикаций (ledger).

ledger-storage = ошибка журнала публикаций: { $error }
ledger-open = не получается открыть журнал публикаций { $path }: { $reason }
# $kind — вид отказа SQLite или PostgreSQL, $error — слова самой базы (по-английски).
ledger-reason = { $kind ->
        [cannot-open] нет такой папки или нет прав на неё
        [not-a-database] это не файл журнала
        [read-only] файл открыт только для чтения
        [permission-denied] нет прав доступа
        [busy] журнал занят другим процессом
        [corrupt] файл журнала повреждён
        [storage-full] на диске кончилось место
        [unreachable] сервер PostgreSQL недоступен: { $error }
        [authentication] сервер PostgreSQL не принял имя пользователя или пароль
        [no-database] на сервере PostgreSQL нет такой базы данных
        [bad-address] адрес базы данных записан неверно; нужен вид postgres://пользователь@сервер/база
        [postgres] PostgreSQL ответил: { $error }
       *[other] SQLite ответила: { $error }
    }
ledger-lock = файл блокировки { $path } недоступен: { $reason }
ledger-busy = из журнала { $path } уже публикует другой `vestnik` ({ $holder }). `run` и `publish --due` не работают с одним журналом одновременно: сначала остановите другой. `status` и `resolve` можно запускать и так
ledger-newer = журнал { $path } записан более новой версией `vestnik` (версия схемы { $found }, эта версия знает только до { $known }). Обновите `vestnik`
ledger-not-a-ledger = { $path } — не журнал публикаций `vestnik`: в нём нет таблицы публикаций. Проверьте путь
ledger-holder-unknown = процесс не назвался
ledger-transition = ошибка в `vestnik`: публикацию { $key } нельзя перевести из «{ $from }» в «{ $to }»

## Проход публикации.

pass-registry = не получается прочитать реестр: { $reason }
pass-client = не получается настроить клиент { $network }: { $reason }
pass-panicked = чтение планов оборвалось из-за ошибки в `vestnik`: { $error }

## Демон.

daemon-git = не получается получить репозиторий с планами: { $error }
daemon-job = задача `{ $job }` не запускается: { $reason }

## Git.

git-spawn = не получается запустить `git`: { $reason }. Проверьте, что `git` установлен
git-timeout = `git { $what }` не закончил работу за { $seconds } с, его остановили
git-failed = `git { $what }` завершился с ошибкой ({ $code }): { $stderr }
git-exit-code = код { $code }
git-killed = остановлен сигналом
git-not-fast-forward = ветку { $branch } в удалённом репозитории переписали: { $remote } не продолжает последний полученный коммит { $local }. Копия останется на { $local }, пока ветка снова его не включит. Чтобы принять новую историю, удалите копию
git-not-a-repository = { $path } есть, но это не копия репозитория `git`. Удалите папку или укажите другую в `checkout`
git-remote-changed = копия { $path } склонирована из { $found }, а в настройках указан { $configured }. Удалите { $path }, и `vestnik` склонирует нужный репозиторий
git-invalid-branch = ветка `{ $name }` не подходит: { $reason }
git-invalid-remote = адрес репозитория `{ $remote }` не подходит: { $reason }
git-invalid-commit = `{ $id }` — не номер коммита
git-too-large = { $path } в коммите { $commit } больше { $kib } КБ: такой файл vestnik не читает
git-io = { $what }: { $reason }

## Кэш картинок.

cache-read = не получается прочитать { $path }: { $reason }
cache-write = не получается записать в кэш картинок { $path }: { $reason }
cache-refused = не получается взять { $path }: { $reason }
cache-unsafe = папка кэша картинок { $path } не годится: { $reason }
cache-unsafe-symlink = это символическая ссылка, а её может перенаправить любой, кто пишет в её папку. Укажите саму папку (`cache_dir`, а для `preview` — `--cache-dir`)
cache-unsafe-not-a-folder = это не папка. Удалите её или выберите другую папку для кэша
cache-unsafe-owner = она принадлежит другому пользователю (uid { $uid }), и он может подложить картинки, которые `vestnik` опубликует. Удалите её или выберите свою папку (`cache_dir`, а для `preview` — `--cache-dir`)
cache-unsafe-mode = в неё могут писать другие пользователи (права { $mode }) и подложить картинки, которые `vestnik` опубликует. Закройте её: `chmod 700 { $path }`
cache-no-default = не найдена папка пользователя для кэша картинок: ни `XDG_CACHE_HOME`, ни `HOME` не заданы полным путём. Укажите `cache_dir` в настройках (для `preview` — `--cache-dir`): папку, в которую пишет только этот пользователь

## Проверка.

check-not-a-repository = { $root } — не репозиторий с планами: в нём нет папки plans/. Укажите нужную папку в `--root`
check-io = не получается прочитать { $path }: { $reason }
check-today = `--today`: { $error }
check-window = неделя `--from { $from }` позже недели `--to { $to }`
check-changed-since = `--changed-since`: { $error }
check-git-spawn = не получается запустить `git`: { $reason }
check-git-failed = `git` ответил: { $stderr }
check-not-a-revision = `{ $rev }` — не ревизия: нужна ветка, тег или коммит, и он не может начинаться с «-»
check-no-commit = в этом репозитории нет коммита `{ $rev }`

## Журнал работы и монитор.

log-filter = фильтр журнала `{ $filter }` не читается: { $error }
log-already-set = журнал работы уже настроен
monitor-not-loopback = монитор слушает только локальные адреса (127.0.0.1 или ::1), а { $addr } виден снаружи. Чтобы открыть его, поставьте перед ним обратный прокси
monitor-bind = монитор не может слушать адрес: { $reason }

## Перенос журнала (`ledger copy`).

ledger-copy-not-postgres = переносить журнал можно только в базу PostgreSQL, а { $to } — не её адрес: нужен вид postgres://пользователь@сервер/база
ledger-copy-not-empty = в базе { $target } уже есть публикации ({ $rows }). Чтобы добавить к ним журнал, запустите с --force
ledger-copy-mismatch = перенос не сошёлся: { $counts }
ledger-copy-done = Журнал { $from } перенесён в { $to }. Строк в SQLite → в PostgreSQL:
ledger-copy-count = { $what }: { $from } → { $to }
