# `vestnik site`: the block of official pages for an organization's website (п. 3.6 of the
# decree). Each message has a twin with the same variables in locales/ru/site.ftl.

site-heading = Find us on social networks
site-link = { $network }: { $name }
site-no-pages = No official pages yet.
site-title = Official pages of the organizations, for their websites
site-intro = Under each organization's name is the block of its official pages, then its code. Copy the code into the organization's website: it has no scripts, fonts or pictures.
site-website = Website: { $url }
site-code = Code for the website:
site-unknown-org = no organization `{ $org }` in the registry: check the `id` in plans/registry.yaml
