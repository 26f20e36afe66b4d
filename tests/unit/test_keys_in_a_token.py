"""Keys kept off the store's host: the audit key and the office's token key inside a PKCS#11
token (SoftHSM from Debian's packages, as an HSM would be), each a setting of its own. The
private keys never leave the token; heads and access tokens it signs verify with its public
keys."""

from __future__ import annotations

import os
import subprocess
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from planning_samples import policy

from services.planning.application import PlanningApplication
from services.planning.main import create_app
from services.planning.settings import PlanningSettings
from shared.auth.keys import OfficeKeys
from shared.auth.tokens import TokenService
from shared.office.testing import STANDARD_STAFF, teach
from shared.signing_keys import Pkcs11Key, generate_in_token, key_id
from shared.testing import office_client

MODULE = "/usr/lib/softhsm/libsofthsm2.so"


@pytest.fixture(scope="session")
def softhsm(tmp_path_factory: pytest.TempPathFactory) -> str:
    """One SoftHSM token `esa` for the session (the library reads its configuration once per
    process); the URI of its keys, `object=` left to fill in."""
    root = tmp_path_factory.mktemp("softhsm")
    (root / "tokens").mkdir()
    config = root / "softhsm2.conf"
    config.write_text(f"directories.tokendir = {root / 'tokens'}\n")
    os.environ["SOFTHSM2_CONF"] = str(config)
    subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", "esa", "--pin", "1234",
                    "--so-pin", "5678"], check=True, capture_output=True)
    pin = root / "pin"
    pin.write_text("1234\n")
    return f"pkcs11:token=esa;object={{}}?module-path={MODULE}&pin-source={pin}"


@pytest.fixture
def token(softhsm: str) -> str:
    """Key labels of this test's own (the token is shared by the session)."""
    return softhsm.replace("object={}", f"object={{}}-{uuid.uuid4().hex[:8]}")


def test_the_audit_key_in_a_token_signs_every_head(token: str, tmp_path: Path) -> None:
    uri = token.format("audit-planning")
    public = generate_in_token(uri)
    settings = PlanningSettings(var_dir=tmp_path / "var", audit_signing_key=uri)
    app = PlanningApplication(settings)
    teach(app, STANDARD_STAFF)
    client = office_client(create_app(settings, app))
    answer = client.post("/policies", headers={"X-Actor-Id": "off-1"}, json=policy())
    assert answer.status_code == 201, answer.text
    assert answer.headers["esa-audit-key-id"] == key_id(public)
    head = app.audit.latest_head()
    assert head.verifies(public) and head.tree_size == int(answer.headers["esa-audit-tree-size"])
    assert not (tmp_path / "var" / "keys" / "planning.ed25519").exists()  # nothing beside it
    app.close()


def test_the_office_token_key_in_a_token_signs_access_tokens(token: str, tmp_path: Path) -> None:
    uri = token.format("office-auth")
    generate_in_token(uri)
    issuing = OfficeKeys.load(PlanningSettings(var_dir=tmp_path / "var",
                                               auth_signing_key_pkcs11=uri))
    issuer = TokenService(issuing, issuer="urn:esa:office", audience="urn:esa:office",
                          lifetime=timedelta(minutes=15))
    jwt = issuer.issue(client_id="witness-1", agency="พยาน", scopes=["planning:audit"],
                       clearance="none")
    verifying = TokenService(OfficeKeys(issuing.public, None), issuer="urn:esa:office",
                             audience="urn:esa:office", lifetime=timedelta(minutes=15))
    claims = verifying.verify(jwt)
    assert claims.client_id == "witness-1" and claims.scopes == {"planning:audit"}
    assert issuing.key_id == key_id(Pkcs11Key(uri).public_key)
    # two separate keys: the token key is not the audit key
    audit_public = generate_in_token(token.format("audit-planning"))
    assert key_id(audit_public) != issuing.key_id


def test_the_private_key_cannot_be_read_out_of_the_token(token: str) -> None:
    import pkcs11
    from pkcs11 import Attribute

    uri = token.format("audit-planning")
    generate_in_token(uri)
    private = Pkcs11Key(uri)._private  # the token's handle: all a thief on the host can reach
    assert private[Attribute.EXTRACTABLE] is False and private[Attribute.SENSITIVE] is True
    with pytest.raises(pkcs11.PKCS11Error):
        private[Attribute.VALUE]
