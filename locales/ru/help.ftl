# Справка командной строки: что показывают `vestnik --help`, `vestnik <команда> --help`,
# скрипты дополнения и man-страницы. Ключи выводятся из дерева clap (src/cli/help.rs):
#
#   help-<путь команды через ->          команда: help-check, help-registry-changes;
#                                        корень — help-vestnik, команда clap `help` — help-help
#   <ключ команды>--<длинный флаг или id> аргумент: help-check--root, help-preview--file;
#                                        общий флаг принадлежит корню: help-vestnik--lang
#   <ключ аргумента>--<значение>         значение на выбор: help-check--format--json
#   <ключ>-long                          длинный текст, где он есть в doc-комментарии
#   help-value-<имя значения строчными>  имя значения: <DATE> — это help-value-date
#   help-flag-help(-more), help-flag-version флаги clap -h/--help и -V/--version
#
# Двойник с теми же ключами — locales/en/help.ftl (это doc-комментарии кода). Фигурные скобки
# пишутся как {"{"} и {"}"}.

## Слова самого clap

help-usage = Запуск
help-commands = Команды
help-arguments = Аргументы
help-options = Флаги
help-value-options = ФЛАГИ
help-value-command = КОМАНДА
help-default = [по умолчанию: { $value }]
help-values = [значения: { $values }]
help-values-heading = Значения
help-flag-help = Показать справку
help-flag-version = Показать версию
help-flag-help-more = Показать справку (подробнее: `--help`)
help-flag-help-more-long = Показать справку (кратко: `-h`)

## Заголовки разделов man-страниц

help-man-name = Имя
help-man-synopsis = Запуск
help-man-description = Описание
help-man-options = Флаги
help-man-version = Версия

## Ошибки командной строки

help-error-unknown-argument = лишний аргумент `{ $arg }`: такого флага у команды нет
help-error-unknown-command = команды `{ $command }` нет
help-error-empty-value = флагу `{ $flag }` нужно значение
help-error-invalid-value = `{ $flag }`: значения `{ $value }` нет; можно { $valid }
help-error-missing = не хватает аргументов: { $args }
help-error-missing-command = укажите команду
help-error-conflict = `{ $arg }` нельзя давать вместе с { $other }
help-error-no-equals = значение флага `{ $flag }` пишется после `=`
help-error-too-many = `{ $flag }`: лишнее значение `{ $value }`
help-error-count = `{ $flag }`: не то число значений
help-error-other = командная строка не разобрана
help-error-suggested = Может быть, { $suggested }?
help-error-usage = Запуск: { $usage }
help-error-more = Справка: `{ $command } --help`

## Имена значений

help-value-lang = ЯЗЫК
help-value-root = ПАПКА
help-value-date = ДАТА
help-value-week = НЕДЕЛЯ
help-value-id = ID
help-value-rev = РЕВИЗИЯ
help-value-format = ФОРМАТ
help-value-file = ФАЙЛ
help-value-network = СЕТЬ
help-value-output = ФАЙЛ
help-value-cache-dir = ПАПКА
help-value-seconds = СЕКУНДЫ
help-value-time = ВРЕМЯ
help-value-limit = ЧИСЛО
help-value-speed = СКОРОСТЬ
help-value-publication = ПУБЛИКАЦИЯ
help-value-path = ПУТЬ
help-value-table = ТАБЛИЦА
help-value-separator = РАЗДЕЛИТЕЛЬ
help-value-shell = ОБОЛОЧКА
help-value-dir = ПАПКА

## Команды и их аргументы

help-vestnik = Контент-планы в git: проверка в CI и публикация во VK, OK и Telegram
help-vestnik--lang = Язык текстов для людей: ru (по умолчанию) или en. Можно задать и через `VESTNIK_LANG`

help-check = Проверить репозиторий контента: планы, реестр, картинки, стиль. Для CI
help-check--root = Репозиторий контента (в нём папки plans/ и media/)
help-check--today = Проверить так, будто сегодня ДАТА (2026-12-01 или 2026-12-01 09:00), в часовом поясе реестра
help-check--from = Первая ISO-неделя для недельных правил (по умолчанию текущая), например 2026-W49
help-check--to = Последняя ISO-неделя для недельных правил (по умолчанию последняя запланированная)
help-check--org = Показать проблемы только этой организации
help-check--changed-since = Показать только организации, чьи файлы менялись после этой ревизии git
help-check--deny-warnings = Считать ошибкой и предупреждения
help-check--format = Формат вывода
help-check--format--human = Для людей: место в файле, строка с указателем, подсказка
help-check--format--json = Один объект JSON с `diagnostics` и `summary`
help-check--format--github = Аннотации GitHub Actions (`::error file=…,line=…::…`)

help-preview = Показать, что получит каждая сеть из публикаций одного файла
help-preview--file = Публикация (`.md`) или план (`.yaml`) в plans/<org-id>/ (не вместе с --changed-since)
help-preview--root = Репозиторий контента
help-preview--network = Только эта сеть
help-preview--format = Формат вывода
help-preview--format--text = Для терминала
help-preview--format--json = Один объект JSON
help-preview--format--html = Отдельная страница: три ленты рядом
help-preview--output = Записать в этот файл, а не в стандартный вывод (удобно с `--format html`)
help-preview--cache-dir = Куда класть обработанные картинки: папка, в которую пишете только вы (по умолчанию $XDG_CACHE_HOME/vestnik/media или ~/.cache/vestnik/media)

help-rules = Перечислить правила `check` с их id и уровнем по умолчанию

help-sandbox = Запустить местные эмуляторы API VK, OK и Telegram со страницами из реестра
help-sandbox--root = Репозиторий контента, из реестра которого берутся страницы эмуляторов
help-sandbox--seconds = Остановиться через столько секунд (по умолчанию работать до Ctrl-C)

help-publish = Опубликовать то, чему пришло время (один проход), и выйти: для системного таймера
help-publish--due = Опубликовать то, чему пришло время, и выйти (других режимов пока нет; демон — это `vestnik run`)
help-publish--root = Репозиторий контента
help-publish--config = Настройки демона (журнал, сети, файлы с секретами)
help-publish--now = Работать так, будто сейчас это время (тесты, догоняющий проход), в часовом поясе реестра
help-publish--limit = Сколько публикаций отправить за проход, не больше
help-publish--log-format = Строки журнала текстом (`human`) или в `json` (вместо `log` из настроек), в stderr, как их пишет `run`: журнал системного таймера сохранит, что ушло

help-run = Публиковать без остановки: ждать следующей публикации, перечитывать планы, когда они меняются
help-run--root = Репозиторий контента
help-run--config = Настройки демона (журнал, сети, файлы с секретами)
help-run--log-format = Строки журнала текстом (`human`) или в `json` (вместо `log` из настроек)
help-run--sandbox = Демонстрация без ключей: публикации уходят в местные эмуляторы трёх API (они работают в этом же процессе), журнал — во временной папке
help-run--start = С `--sandbox`: когда начинается демонстрация, в часовом поясе реестра (по умолчанию сейчас)
help-run--speed = С `--sandbox`: сколько секунд проходит за одну настоящую (3600 — час за секунду)
help-run--until = С `--sandbox`: остановиться, когда часы демонстрации дойдут до этого времени

help-status = Показать журнал: что впереди, что вышло, что не удалось, что под вопросом, что пропущено
help-status--config = Настройки демона (чтобы найти журнал)
help-status--root = Репозиторий контента: из его реестра берётся часовой пояс района (если его там нет — Asia/Novokuznetsk)
help-status--format = Формат вывода
help-status--format--human = По строке на публикацию (местное время, сеть, организация/публикация, состояние), затем почему строка ждёт или не вышла, с какого времени и когда следующая попытка, и итог
help-status--format--json = Один объект JSON: `publications`, в каждой `org`, `post`, `network`, `due`, `state`, `attempts`, `remote_id`, `url`, `reason`, `since`, `next_attempt` (время в UTC, RFC 3339)

help-moderate = Один раз промодерировать комментарии на официальных страницах: прочитать, оценить, удалить или сообщить ответственному, записать в журнал
help-moderate--dry-run = Оценить и показать, что было бы сделано, ничего не меняя: ничего не удаляется и не пишется в журнал, из очереди бота в Телеграме ничего не забирается
help-moderate--root = Репозиторий контента (по реестру видно, какие страницы модерируются и как)
help-moderate--config = Настройки демона (журнал, сети, файлы с секретами)
help-moderate--org = Только страницы этой организации
help-moderate--format = Формат вывода
help-moderate--format--human = По строке на комментарий, с которым что-то сделано: номер в журнале, действие, сеть, категория, правило, начало текста
help-moderate--format--json = Один объект JSON (см. docs/moderation.md)

help-resolve = Закрыть публикацию под вопросом или неудавшуюся, когда вы посмотрели на страницу
help-resolve--config = Настройки демона (чтобы найти журнал)
help-resolve--publication = Публикация: `ORG/POST`, как её показывает `status`
help-resolve--network = Сеть
help-resolve--published = Она есть на странице: отметить как опубликованную (ничего не отправляется)
help-resolve--resend = Её нет на странице: отправить заново при следующем проходе

help-site = Блок официальных страниц для сайта каждой организации (HTML, чтобы вставить, или JSON)
help-site--root = Репозиторий контента
help-site--org = Только эта организация (её id в реестре)
help-site--format = Формат вывода
help-site--format--html = С `--org`: блок, который вставляют на сайт. Без него: страница с блоком и его кодом для каждой организации, для веб-мастеров
help-site--format--json = `{"{"}"organizations": [{"{"}"id", "name", "website", "pages": [{"{"}"network", "label", "url"{"}"}]{"}"}]{"}"}`
help-site--output = Записать в этот файл, а не в стандартный вывод

help-calendar = Контент-план как календарь: лента iCalendar или HTML-страница по месяцам
help-calendar--root = Репозиторий контента
help-calendar--org = Только эта организация (её id в реестре)
help-calendar--format = Формат вывода
help-calendar--format--ics = Лента iCalendar (RFC 5545): по событию на публикацию, для Яндекс Календаря, Google, Outlook
help-calendar--format--html = Отдельная страница: недели каждого месяца, их публикации и сколько их против минимума
help-calendar--output = Записать в этот файл, а не в стандартный вывод

help-registry = Реестр официальных страниц: что изменилось между ревизиями, письма в ЦУР

help-registry-changes = Что изменилось в реестре между двумя ревизиями git (по умолчанию до рабочей копии), с письмами в ЦУР
help-registry-changes--root = Репозиторий контента (клон git)
help-registry-changes--since = Ревизия, от которой сравнивать (коммит, ветка или тег)
help-registry-changes--to = Ревизия, с которой сравнивать (по умолчанию реестр в рабочей копии)
help-registry-changes--format = Формат вывода
help-registry-changes--format--text = По организациям, строка на изменение, затем письма в ЦУР
help-registry-changes--format--json = `{"{"}"since", "to", "changes": [{"{"}"kind", "org", …{"}"}], "notices": [{"{"}"org", "text"{"}"}]{"}"}`

help-help = Показать эту справку или справку по командам

help-report = Отчёт МЦУ о выполнении: каждая организация, страница и неделя, с реестром и проблемами; HTML для письма, XLSX и CSV для ЦУР, JSON для скриптов
help-report--root = Репозиторий контента
help-report--from = Первая ISO-неделя, например 2026-W37 (по умолчанию за 12 недель до текущей)
help-report--to = Последняя ISO-неделя (по умолчанию текущая и недели, которые нужно спланировать заранее)
help-report--org = Только эта организация (её id в реестре)
help-report--config = Настройки демона, чтобы найти его журнал (что вышло)
help-report--ledger = Сам журнал. Без него (и без `--config`) отчёт читает только план
help-report--format = Формат вывода
help-report--format--html = Одна страница для письма: тепловая карта «организация × неделя», итоги, график, страницы и проблемы каждой организации
help-report--format--xlsx = Книга с листами «Реестр», «Недели» и «Проблемы»
help-report--format--csv = Одна таблица (`--table`) в CSV, UTF-8 с меткой порядка байтов
help-report--format--json = Всё сразу, ключи описаны в docs/report.md
help-report--table = С `--format csv`: какая таблица
help-report--table--weeks = Организация × страница × неделя
help-report--table--registry = По строке на организацию и страницу, со столбцами, которые просит ЦУР
help-report--table--problems = Все проблемы, которые находит `check`
help-report--separator = С `--format csv`: разделитель полей, `,` или `;` (русский Excel ждёт `;`)
help-report--today = Отчёт так, будто сегодня ДАТА (2026-12-01 или 2026-12-01 09:00), в часовом поясе реестра
help-report--output = Записать в этот файл, а не в стандартный вывод

help-completions = Напечатать скрипт дополнения для оболочки: bash, zsh или fish
help-completions--shell = Оболочка
help-completions--shell--bash = Bash: `source <(vestnik completions bash)` или файл в /etc/bash_completion.d/
help-completions--shell--zsh = Zsh: файл `_vestnik` в одной из папок `$fpath`
help-completions--shell--fish = Fish: ~/.config/fish/completions/vestnik.fish

help-man = Напечатать man-страницу vestnik.1 или записать её и по странице на команду в папку
help-man--dir = Записать vestnik.1 и по странице на команду в эту папку, а не печатать vestnik.1

help-check--format--gitlab = Отчёт GitLab Code Quality: JSON-массив замечаний (`artifacts: reports: codequality:`)
help-preview--changed-since = Все файлы публикаций и планов, изменённые с этой ревизии git: по HTML-странице на каждый и index.html в папке `-o` (с `--format html`), для merge request
help-init = Создать новый репозиторий контента: реестр, пример публикации, файлы CI и памятку для ответственных
help-init--dir = Папка нового репозитория контента (создаётся, если её нет; может быть свежим клоном)
help-init--from-decree = Организации из постановления (приложения 2 и 3) вместо одной организации для примера
help-init--ci = Файлы CI для этих платформ (повторите флаг или перечислите через запятую)
help-value-ci = CI
help-init--ci--gitlab = `.gitlab-ci.yml`
help-init--ci--github = `.github/workflows/vestnik.yml`
help-init--ci--forgejo = `.forgejo/workflows/vestnik.yml`
help-init--ci--all = Все три
help-init--lfs = Картинки (media/) через Git LFS, в .gitattributes

help-moderation = Модерация комментариев: проверить комментарии правилами без сети, посмотреть журнал, вернуть удалённый комментарий
help-moderation-classify = Оценить комментарии со стандартного ввода, по одному в строке: оставить, на проверку или удалить, с правилами, которые сработали
help-moderation-classify--root = Репозиторий контента, чей plans/moderation.yaml дополняет встроенные правила (если его нет, только встроенные)
help-moderation-classify--format = Формат вывода
help-moderation-classify--format--json = Строка на комментарий, объект JSON: `{"{"}"text", "verdict", "reasons": [{"{"}"rule", "category", "match"{"}"}]{"}"}`
help-moderation-classify--format--human = Строка на комментарий с оценкой, затем строка на каждую причину
help-moderation-log = Показать журнал модерации, сначала новое: что удалено или оставлено для ответственного, где и почему
help-moderation-log--config = Настройки демона (чтобы найти журнал)
help-moderation-log--org = Только действия по этой организации
help-moderation-log--limit = Сколько последних действий показать
help-moderation-log--root = Репозиторий контента: из его реестра берётся часовой пояс района
help-moderation-log--format = Формат вывода
help-moderation-log--format--human = По строке на комментарий: номер в журнале, действие, сеть, категория, правило, начало текста
help-moderation-log--format--json = Один объект JSON (см. docs/moderation.md)
help-moderation-restore = Вернуть удалённый комментарий по номеру в журнале, если сеть это позволяет (ВКонтакте)
help-moderation-restore--id = Номер удаления в журнале (его показывает `vestnik moderation log`)
help-moderation-restore--root = Репозиторий контента
help-moderation-restore--config = Настройки демона (журнал, сети, файлы с секретами)
help-audit = Один раз проверить настоящие страницы: публикации за неделю, отметку «Госорганизация», профиль, доступ, Госпаблики; увиденное записывается в журнал
help-audit--config = Настройки демона (журнал, сети, файлы с секретами)
help-audit--root = Репозиторий контента (по реестру видно, какие страницы проверять)
help-audit--org = Только страницы этой организации
help-audit--from = Первая проверяемая неделя ISO, например 2026-W45 (по умолчанию за три недели до --to)
help-audit--to = Последняя проверяемая неделя ISO (по умолчанию последняя закончившаяся неделя по местному времени района)
help-audit--format = Формат вывода
help-audit--format--human = Как `check` печатает замечания, со строкой итога
help-audit--format--json = Один объект JSON (см. docs/audit.md)

help-ledger = Сам журнал публикаций: перенести журнал SQLite в PostgreSQL
help-ledger-copy = Перенести журнал SQLite в базу PostgreSQL, все таблицы, и проверить перенос: число строк в каждой таблице и число публикаций в каждом состоянии
help-ledger-copy--from = Журнал SQLite, который переносится: `sqlite:ПУТЬ` или просто путь
help-ledger-copy--to = База PostgreSQL, куда переносится журнал: `postgres://пользователь@сервер/база`
help-ledger-copy--force = Переносить и в базу, где уже есть публикации; строки, которые там уже есть, остаются как были
help-value-ledger = ЖУРНАЛ
help-value-url = АДРЕС
