"""The composition root of the portal: every page controller, collected — the tenant pages under
``/t/{tenant}`` and the platform console's. Beside ``core/app.py`` (which adds the API
controllers and the event handlers): the one place that may import every package."""

from __future__ import annotations

from litestar import Router
from litestar.di import Provide
from litestar.exceptions import HTTPException, ValidationException
from litestar.static_files import create_static_files_router

from core.accounts.audit_pages import LearnerPrivacyPages, StaffAuditPages
from core.accounts.login_pages import PortalHomeController
from core.accounts.pages import ActivationPages, PasswordPages
from core.accounts.registration_pages import RegistrationPages
from core.accounts.staff_pages import StaffLearnerPages
from core.accounts.unit_pages import StaffUnitPages
from core.achievements.collection_pages import CollectionPages
from core.catalog.staff_pages import CatalogStaffPages
from core.certificates.api import IssuerDocuments
from core.certificates.learner_pages import LearnerProofPages
from core.certificates.pages import ProofPages
from core.certificates.record_pages import LearnerRecordPages
from core.errors import DomainError
from core.hierarchy.public_pages import HostedBanksPage, PublicPages
from core.imports.pages import ImportPages
from core.notifications.pages import NotificationPages
from core.platform.onboarding_pages import ONBOARDING_PAGES
from core.platform.pages import PLATFORM_ERRORS, PLATFORM_PAGES
from core.platform.trust_pages import TrustPages
from core.privacy.api import MyClosurePages, MyDataPages, StaffClosurePages
from core.reports.pages import ReportPages
from core.reviews.learner_pages import LearnerApplicationPages
from core.reviews.outcome_pages import MyOutcomePages
from core.reviews.staff_pages import StaffReviewPages
from core.rules.pages import RuleSearchPages, WhatIfPages
from core.rules.staff_pages import RuleStaffPages
from core.tenancy.api import resolve_tenant
from core.web.config import STATIC_DIR
from core.web.pages import page_error_handler
from core.web.portal import LoginRequired, provide_portal

# Each domain adds its page controllers here (one line each).
TENANT_PAGES: list = [PortalHomeController, StaffReviewPages, StaffLearnerPages, StaffUnitPages]
TENANT_PAGES += [ImportPages, CatalogStaffPages, RuleStaffPages, NotificationPages]
TENANT_PAGES += [ActivationPages, PasswordPages, RegistrationPages, PublicPages, RuleSearchPages, WhatIfPages]
TENANT_PAGES += [ProofPages, LearnerProofPages, IssuerDocuments, LearnerRecordPages]
TENANT_PAGES += [MyOutcomePages, LearnerApplicationPages]
TENANT_PAGES += [ReportPages]
TENANT_PAGES += [StaffAuditPages, LearnerPrivacyPages, MyDataPages, MyClosurePages, StaffClosurePages]
TENANT_PAGES += [CollectionPages]

# ValidationException is named as well: the app's JSON handler for it would win over HTTPException here.
PAGE_ERRORS = {LoginRequired: page_error_handler, DomainError: page_error_handler, ValidationException: page_error_handler,
               HTTPException: page_error_handler, Exception: page_error_handler}


def portal_routers() -> list:
    tenant_pages = Router(
        path="/t/{tenant_slug:str}",
        route_handlers=TENANT_PAGES,
        dependencies={"tenant": Provide(resolve_tenant), "portal": Provide(provide_portal)},
        exception_handlers=PAGE_ERRORS,
        include_in_schema=False,
    )
    platform_pages = Router(path="/platform", route_handlers=[*PLATFORM_PAGES, *ONBOARDING_PAGES, TrustPages],
                            exception_handlers=PLATFORM_ERRORS, include_in_schema=False)
    static = create_static_files_router(path="/static", directories=[STATIC_DIR], include_in_schema=False)
    return [tenant_pages, platform_pages, static, HostedBanksPage]
