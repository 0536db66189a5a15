from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from rits.portal import messages


class Command(BaseCommand):
    help = (
        "Write the family portal's catalogs (src/rits/portal/locale/<language>/LC_MESSAGES/"
        "django.po and .mo) from the messages the portal shows, keeping the translations "
        "there are. --check changes nothing and fails when a catalog is out of date or a "
        "message lacks a translation. See rits.portal.messages."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--check",
            action="store_true",
            help="Change nothing; fail when a catalog would change or lacks a translation.",
        )

    def handle(self, *args, check=False, **options):
        found = messages.portal_messages()
        problems: list[str] = []
        for language in messages.catalog_languages():
            catalog = messages.build_catalog(language, found)
            po = messages.po_path(language)
            before = po.read_bytes() if po.exists() else b""
            text = messages.render_po(catalog)
            changed = text != before
            missing = [] if language == messages.SOURCE_LANGUAGE else messages.untranslated(catalog)
            if check:
                if changed:
                    problems.append(f"{language}: the catalog is out of date")
                problems.extend(f"{language}: no translation for {m!r}" for m in missing)
                continue
            if changed:
                messages.stamp(catalog, timezone.now().replace(microsecond=0))
                po.parent.mkdir(parents=True, exist_ok=True)
                po.write_bytes(messages.render_po(catalog))
            po.with_suffix(".mo").write_bytes(messages.render_mo(catalog))
            self.stdout.write(
                f"{language}: {len(found)} messages, {len(missing)} without a translation, "
                f"{messages.review_pending(catalog)} waiting for a native speaker's review"
                + (" (written)" if changed else "")
            )
            for m in missing:
                self.stdout.write(f"  {language}: no translation yet for {m!r}")
        for language in sorted(messages.PROJECT_CATALOG_LANGUAGES):
            lacking = messages.missing_from_project_catalog(found, language)
            for msgid in lacking:
                self.stdout.write(f"  {language} (src/rits/locale): no translation for {msgid!r}")
            if check:
                problems.extend(f"{language}: no translation for {m!r}" for m in lacking)
        if problems:
            raise CommandError("\n".join(problems))
        if check:
            self.stdout.write(self.style.SUCCESS("The portal's catalogs are up to date."))
