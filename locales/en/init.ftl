# `vestnik init`: a new content repository.
# The twins, with the same variables, are in locales/ru/init.ftl.

init-exists = { $path } already exists. vestnik init overwrites nothing and wrote nothing: choose an empty folder or move that file away
init-io = cannot write { $path }: { $reason }
init-done = A new content repository in { $dir }:
init-next = Next: put the organizations and their pages into plans/registry.yaml, check everything with `vestnik check` and commit it (`git add -A`, `git commit`). The guide for responsibles is docs/ru/README.md in the vestnik repository.
