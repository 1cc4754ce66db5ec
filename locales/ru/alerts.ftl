# Оповещения в чат МЦУ и ответственным, итоги недели. Двойники с теми же переменными — в
# locales/en/alerts.ftl.

# Публикация: организация/пост и сеть.
alert-what = { $org }/{ $post } в { $network }
alert-failed = НЕ ОПУБЛИКОВАНО: { $what }. Причина: { $why }. Исправьте пост или страницу и отправьте заново: `vestnik resolve --resend`.
alert-uncertain = НЕИЗВЕСТНО, ВЫШЕЛ ЛИ ПОСТ: { $what }. Причина: { $why }. Откройте страницу: если пост там есть, выполните `vestnik resolve --published`, если нет — `vestnik resolve --resend`.
alert-missed = ПРОПУЩЕНО: { $what }. Время публикации прошло больше { $minutes } мин назад, когда vestnik не работал, и с опозданием пост не отправлялся. Чтобы он вышел, поставьте новую дату.
alert-edited = ИЗМЕНЁН ПОСЛЕ ПУБЛИКАЦИИ: { $what }. Правку в git заново не публикуем. Если она важна, поправьте пост на странице вручную.
alert-broken-file = ФАЙЛ ПЛАНА НЕ ЧИТАЕТСЯ: { $file }:{ $why }. Его посты ждут, пока файл не исправят (`vestnik check` подскажет как).
alert-token-bot = бот не может публиковать в { $page }
alert-token-network = { $network } не принимает ключ доступа
alert-token = НУЖНО ОБНОВИТЬ ДОСТУП к { $network }: { $scope } ({ $why }). Публикации ждут, попытка повторяется каждые { $minutes } мин. Обновите ключ доступа или верните боту права администратора.
alert-weekly = НЕДЕЛЯ { $week } ({ $span }): норму в { $min } { $min ->
        [one] публикацию
        [few] публикации
       *[other] публикаций
    } выполнили { $ok } из { $pages } официальных страниц.
alert-weekly-short = Ниже нормы: { $pages }.
alert-weekly-page = { $org } в { $network }: { $count }
alert-stopped-while-sending = vestnik остановился во время отправки
