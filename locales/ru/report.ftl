# `vestnik report`: отчёт МЦУ о ведении страниц — для руководителя МЦУ и для ЦУР.
# Двойники с теми же переменными — в locales/en/report.ftl.

report-title = Официальные страницы: отчёт о ведении
report-intro = С { $from } по { $to } (недели { $first }–{ $last }); данные на { $now }. Норма — не меньше { $min } { $min ->
    [one] публикации
   *[other] публикаций
} в неделю на каждой официальной странице.
report-plan-only = Журнал публикаций не передан, поэтому отчёт построен только по контент-плану: в нём видно, что запланировано, но не что вышло. Чтобы увидеть опубликованное, запустите отчёт с --ledger или --config.
report-window = недели { $from }–{ $to } не подходят: начало должно быть не позже конца, а в отчёте может быть не больше { $max } недель
report-yes = да
report-no = нет
report-unknown = не указано
report-gospubliki = { $state ->
    [connected] подключены
    [requested] подана заявка
    [not-connected] не подключены
   *[other] не указано
}
report-sheet-registry = Реестр
report-sheet-weeks = Недели
report-sheet-problems = Проблемы
report-col-organization = Организация
report-col-network = Соцсеть
report-col-page = Страница
report-col-verified = «Госорганизация»
report-col-two-factor = Двухфакторная защита
report-col-gospubliki = Госпаблики
report-col-responsible = Ответственный
report-col-position = Должность
report-col-phone = Телефон
report-col-email = Эл. почта
report-col-since = Ответственный с
report-col-profile = Профиль страницы
report-col-website = Сайт
report-col-id = Код организации
report-col-week = Неделя
report-col-monday = Понедельник
report-col-ready = Готово
report-col-external = Внешние
report-col-drafts = Черновики
report-col-published = Опубликовано
report-col-failed = Не вышло
report-col-missed = Пропущено
report-col-uncertain = Под вопросом
report-col-counted = Засчитано
report-col-basis = Чем засчитано
report-col-meets = Норма выполнена
report-col-severity = Важность
report-col-rule = Правило
report-col-file = Файл
report-col-line = Строка
report-col-column = Столбец
report-col-message = Что не так
report-col-hint = Как исправить
report-col-pages = Страниц
report-col-weeks-met = Недель в норме
report-col-weeks-short = Недель ниже нормы
report-profile-complete = заполнен
report-profile-field = { $field ->
    [description] описание
    [address] адрес
    [map] карта
    [phones] телефоны
   *[hours] часы работы
}
report-profile-missing = не хватает: { $fields }
report-basis = { $basis ->
    [published] по журналу
   *[planned] по плану
}
report-general = Общие замечания
report-organizations = Организации
report-heat-title = Публикации по неделям
report-heat-caption = В клетке — число публикаций самой отстающей страницы организации за неделю. Наведите указатель, чтобы увидеть каждую страницу.
report-legend-ok = ✓ — не меньше { $min }
report-legend-short = ✗ — меньше { $min }, норма не выполнена
report-legend-plan = курсив — по плану: неделя ещё не закончилась или журнала нет
report-no-pages = официальных страниц нет
report-totals-title = Итоги по соцсетям
report-trend-published = Опубликовано за неделю, все страницы
report-trend-planned = Запланировано на неделю, все страницы
report-trend-goal = норма: { $goal } ({ $min } на страницу)
report-org-required = { $required ->
    [yes] обязана вести страницы (приложение 2 к постановлению)
   *[no] ведёт страницы по желанию (приложение 3 к постановлению)
}
report-org-profile = профиль страниц: { $state }
report-org-gospubliki = Госпаблики: { $state }
report-org-responsible = ответственный: { $who }
report-org-responsible-since = ответственный: { $who }, с { $since }
report-org-no-responsible = ответственный не назначен
report-org-comments = Модерация комментариев за эти недели: удалено { $deleted }, оставлено для ответственного { $reported }
report-page-state = «Госорганизация»: { $verified ->
    [yes] да
    [no] нет
   *[other] не указано
}, двухфакторная защита: { $two_factor ->
    [yes] да
    [no] нет
   *[other] не указано
}, недель ниже нормы: { $short } из { $weeks }
report-no-problems = Проблем не найдено.
report-hint = Как исправить: { $hint }
cli-report-plan-only = журнал публикаций не передан (`--ledger` или `--config`): отчёт построен только по контент-плану
cli-report-separator = разделитель «{ $value }» не подходит: напишите `,` или `;` (русский Excel ждёт `;`)
cli-report-xlsx = не получается собрать файл Excel: { $error }
