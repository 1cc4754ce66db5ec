# `vestnik init`: новый репозиторий контент-плана.
# Двойники с теми же переменными — в locales/en/init.ftl.

init-exists = { $path } уже есть. vestnik init ничего не перезаписывает и ничего не записал: выберите пустую папку или уберите этот файл
init-io = не удалось записать { $path }: { $reason }
init-done = Новый репозиторий контент-плана в { $dir }:
init-next = Дальше: впишите организации и их страницы в plans/registry.yaml, проверьте всё командой `vestnik check` и сохраните в git (`git add -A`, `git commit`). Памятка ответственным — docs/ru/README.md в репозитории vestnik.
