"""Querysets scoped by a grant: ``Model.objects.visible_to(grant)``.

After Open Zaak's related-object filtering (``ZaakRelatedQuerySet`` with its
``authorizations_lookup``): a model that hangs off a family names the path to it
(``family_lookup``: "family", "plan__family", "alert__family"), and, where it has them,
its one life-domain field and the person it is about. ``visible_to`` keeps the rows of
the grant's family, of the grant's domains (an empty domain is the household's, shown to
all who see the family), and not about a person the grant excludes. Rules that need more
than a column (an agreement's owner, an alert's rule) stay with the selectors and
``rits.access``; this is the floor they build on.

Here in core, not in access, because the family-data models use it and access imports
them. It knows grants only by their attributes."""

from django.db import models


class FamilyScopedQuerySet(models.QuerySet):
    family_lookup = "family"
    domain_field: str | None = None
    person_field: str | None = None

    def visible_to(self, grant) -> "FamilyScopedQuerySet":
        rows = self.filter(**{f"{self.family_lookup}_id": grant.family.pk})
        if self.domain_field and not grant.sees_all_domains:
            rows = rows.filter(
                models.Q(**{self.domain_field: ""})
                | models.Q(**{f"{self.domain_field}__in": sorted(grant.domains)})
            )
        if self.person_field and grant.excluded_person_ids:
            rows = rows.exclude(**{f"{self.person_field}__in": sorted(grant.excluded_person_ids)})
        return rows
