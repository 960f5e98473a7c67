from __future__ import annotations

import factory
from django.utils import timezone

from zoufang.core.roles import Role
from zoufang.org.models import Department, Personnel, Team, TeamMember, Unit, User


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    parent = None
    level = factory.LazyAttribute(lambda o: o.parent.level + 1 if o.parent else Unit.Level.CITY)
    code = factory.Sequence(lambda n: f"{900000 + n}")
    name = factory.Sequence(lambda n: f"单位{n}")
    path = factory.LazyAttribute(lambda o: Unit.build_path(o.parent, o.code))


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"dept{n}")
    name = factory.Sequence(lambda n: f"警种{n}")


class PersonnelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Personnel

    name = factory.Faker("name", locale="zh_CN")
    kind = Personnel.Kind.OFFICER
    post = Personnel.Post.STATION
    police_number = factory.Sequence(lambda n: f"{200000 + n:06d}")
    phone = factory.Sequence(lambda n: f"139{n:08d}")
    year_joined = factory.LazyFunction(lambda: timezone.localdate().year - 8)
    unit = factory.SubFactory(UnitFactory)
    unit_path = factory.LazyAttribute(lambda o: (o.deployed_to or o.beat or o.unit).path)
    beat = None
    deployed_to = None

    class Params:
        auxiliary = factory.Trait(
            kind=Personnel.Kind.AUXILIARY,
            post=Personnel.Post.AUXILIARY,
            police_number=factory.Sequence(lambda n: f"F{30000 + n}"),
        )


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    role = Role.TEAM_MEMBER

    @factory.post_generation
    def password(obj, create, extracted, **kwargs):
        obj.set_password(extracted or "pw-for-tests-1")
        if create:
            obj.save(update_fields=["password"])

    @factory.post_generation
    def two_factor(obj, create, extracted, **kwargs):
        """The roles that must use two-factor login get a confirmed TOTP device (as if they
        had enrolled); `two_factor=False` leaves it out, `two_factor=True` adds one to anyone."""
        from zoufang.org import twofactor

        wanted = obj.needs_two_factor if extracted is None else extracted
        if create and wanted:
            twofactor.demo_enrol(user=obj)


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"走访组{n}")
    unit_path = factory.LazyAttribute(lambda o: o.beat.path)


class TeamMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TeamMember

    campaign = factory.LazyAttribute(lambda o: o.team.campaign)
