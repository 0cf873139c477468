#!/usr/bin/env python3
"""Writes the seed corpora in tests/fuzz/corpus/<target>/ (checked in; run this
again only to change them). Each seed is a small, real input: protocol
requests, server URLs (hostile ones too), config files with environments, the
answers of ECR, Google, Azure AD and the ACR exchange, WWW-Authenticate
headers, and encrypted store files made with the fuzz target's fixed key.

Usage: python3 tests/fuzz/make_seeds.py   (needs python3-cryptography)
"""
import base64
import json
import os
import shutil

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")
# The fixed key of fuzz_file_store.cc: the bytes 0x00..0x1f.
FILE_STORE_KEY = bytes(range(32))


def b64(s):
    return base64.b64encode(s.encode()).decode()


def b64url(s):
    return base64.urlsafe_b64encode(s.encode()).decode().rstrip("=")


def write(target, seeds):
    folder = os.path.join(CORPUS, target)
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    for name, data in seeds.items():
        if isinstance(data, str):
            data = data.encode("latin-1")
        with open(os.path.join(folder, name), "wb") as f:
            f.write(data)


def store_req(server, user, secret):
    return json.dumps({"ServerURL": server, "Username": user, "Secret": secret})


protocol = {
    # store (s), store over other helpers' items (S)
    "store-hub": "s" + store_req("https://index.docker.io/v1/", "alice", "dckr_pat_s3cr3t") + "\n",
    "store-prefilled": "S" + store_req("registry.example.com", "bob", "pw") + "\n",
    "store-go-case": 's{"serverurl":"ghcr.io","username":"octocat","secret":"ghp_x"}',
    "store-null-secret": 's{"ServerURL":"localhost:5000","Username":"u","Secret":null}',
    "store-userinfo": "s" + store_req("ftp://user:hunter22@registry.example.com", "user", "hunter22"),
    "store-not-json": "sServerURL=registry.example.com",
    "store-no-user": "s" + store_req("quay.io", "", "t"),
    "store-number": 's{"ServerURL":"quay.io","Username":"u","Secret":42}',
    "store-nul": 's{"ServerURL":"quay.io","Username":"u","Secret":"a\\u0000b"}',
    "store-unicode": "s" + json.dumps({"ServerURL": "r.example", "Username": "j\u00f6rg", "Secret": "p\u00e4ss\u2603"}),
    # get (g), on the pre-filled store (G); configured registries answer some
    "get-hub": "ghttps://index.docker.io/v1/\n",
    "get-hub-bare": "Gdocker.io",
    "get-spelled": "Ghttps://REGISTRY.example.com:443/v2/",
    "get-other-port": "Gregistry.example.com:5000",
    "get-ipv6": "G[::1]:5000",
    "get-localhost": "Ghttp://localhost:5000",
    "get-refresh-token": "Ghttps://index.docker.io/v1/refresh-token",
    "get-lab": "glab.example.com:5000",
    "get-latin1-password": "glatin.example.com",
    "get-broken-config": "gbroken.example.com",
    "get-ecr": "g123456789012.dkr.ecr.us-east-1.amazonaws.com",
    "get-ecr-dualstack": "g123456789012.dkr-ecr-fips.us-gov-west-1.on.aws",
    "get-ecr-public": "gpublic.ecr.aws",
    "get-gcr": "geurope-west1-docker.pkg.dev",
    "get-acr": "gmyregistry.azurecr.io",
    "get-acr-minted": "gminted.azurecr.io",
    "get-ghcr": "g  ghcr.io  \n",
    "get-quay": "gquay.io",
    "get-gitea": "ghttps://git.example.org/v2/",
    "get-gitlab": "gregistry.gitlab.com",
    "get-userinfo": "guser:pass@registry.example.com",
    "get-evil-suffix": "gghcr.io.evil.com",
    "get-empty": "g\n",
    # erase, list, version
    "erase-hub": "ehttps://index.docker.io/v1/",
    "erase-prefilled": "Eregistry.example.com",
    "erase-missing": "enothing.example.com",
    "list": "l",
    "list-prefilled": "L",
    "version": "v",
    # round trips (r, R): store then get, list, erase, get
    "roundtrip": "r" + store_req("https://Registry.Example.com/v2/", "alice", "pw"),
    "roundtrip-prefilled": "R" + store_req("registry.example.com", "carol", "secret"),
    "roundtrip-hub-subkey": "R" + store_req("https://index.docker.io/v1/refresh-token", "<token>", "eyJhbGciOi"),
    "roundtrip-configured": "R" + store_req("lab.example.com:5000", "me", "mine"),
    # inputs that crashed a target once (see tests/fuzz/README.md)
    "regress-store-number-overflow": 's{"ServerURL":"ghcr.io","Username":"u","Secret":"s","x":1e999}',
    "regress-get-latin1-list": "Llatin.example.com",
    # 50000 levels: the recursive wipe of the parsed input overflowed the stack
    "regress-store-deep": "s" + "[" * 50000 + "]" * 50000,
    "store-depth-65": 's{"ServerURL":"ghcr.io","Username":"u","Secret":"s","x":' + "[" * 65 + "]" * 65 + "}",
}

server_key = {
    "hub-v1": "https://index.docker.io/v1/",
    "hub-bare": "docker.io",
    "hub-registry-1": "registry-1.docker.io",
    "hub-refresh": "https://index.docker.io/v1/refresh-token",
    "hub-access": "https://index.docker.io/v1/access-token",
    "hub-image": "docker.io/library/alpine@sha256:abcdef",
    "plain": "registry.example.com",
    "port": "registry.example.com:5000",
    "url-path": "https://Registry.Example.com:443/v2/library/?x=1#frag",
    "http": "http://localhost:5000",
    "ipv6": "[::1]:5000",
    "ipv6-url": "https://[2001:db8::1]/v2/",
    "ipv4": "10.0.0.1:5000",
    "ghcr": "ghcr.io",
    "quay": "quay.io",
    "lscr": "lscr.io",
    "gcr": "gcr.io",
    "gcr-sub": "eu.gcr.io",
    "pkg-dev": "europe-west1-docker.pkg.dev",
    "rep-pkg-dev": "docker.us-central1.rep.pkg.dev",
    "ecr": "123456789012.dkr.ecr.us-east-1.amazonaws.com",
    "ecr-fips": "123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com",
    "ecr-cn": "123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn",
    "ecr-dualstack": "123456789012.dkr-ecr.eu-west-1.on.aws",
    "ecr-public": "public.ecr.aws",
    "ecr-public-dualstack": "ecr-public.aws.com",
    "acr": "myregistry.azurecr.io",
    "acr-cn": "myregistry.azurecr.cn",
    # hostile
    "evil-suffix": "ghcr.io.evil.com",
    "evil-prefix": "evilghcr.io",
    "evil-acr": "x.azurecr.io.attacker.net",
    "evil-ecr": "123456789012.dkr.ecr.us-east-1.amazonaws.com.evil.net",
    "evil-port": "ghcr.io:8443",
    "userinfo": "https://user:hunter22@registry.example.com",
    "userinfo-bare": "user@registry.example.com",
    "userinfo-ftp": "ftp://user:hunter22@registry.example.com",
    "userinfo-space": "https://user:hunter22@registry.example.com/a b",
    "backslash": "https://registry.example.com\\@evil.com",
    "ipv6-unbracketed": "::1:5000",
    "ipv6-open": "[::1",
    "port-zero": "registry.example.com:0",
    "port-big": "registry.example.com:65536",
    "port-leading-zero": "registry.example.com:00443",
    "empty-port": "registry.example.com:",
    "scheme-only": "https://",
    "double-slash": "//registry.example.com/v2/",
    "dots": "a..b",
    "control": "registry.example.com\x01",
    "spaces": "  registry.example.com \n",
    "non-ascii": "r\xe9gistry.example.com",
    "long-label": "a" * 64 + ".example.com",
    # inputs that crashed a target once (see tests/fuzz/README.md)
    "regress-hub-subkey-at": "https://index.docker.io/v1/user:hunter22@x",
}

SA_KEY = json.dumps({"type": "service_account", "client_email": "sa@project.iam.gserviceaccount.com",
                     "private_key": "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n",
                     "private_key_id": "0123abcd", "token_uri": "https://oauth2.googleapis.com/token"})

config = {
    # The man page's example: config file + the secret from the environment.
    "man-page": json.dumps({"store": "auto", "registries": {
        "custom/lab": {"url": "https://registry.lab:5000", "login": "ci",
                       "cacert": "-----BEGIN CERTIFICATE-----\n...", "stored_secrets": ["password"]},
        "ghcr": {"username": "octocat", "stored_secrets": ["token"]}}}, indent=2)
        + "\n%%\nSSM_REGISTRY_CUSTOM_LAB_PASSWORD=from-env\n",
    # The README's environment, no config file.
    "readme-env": "%%\nSSM_REGISTRY_CUSTOM_LAB_URL=https://registry.lab:5000\nSSM_REGISTRY_CUSTOM_LAB_LOGIN=ci\n"
                  "SSM_REGISTRY_CUSTOM_LAB_PASSWORD__FILE=a\nSSM_REGISTRY_GHCR_USERNAME=octocat\n"
                  "SSM_REGISTRY_GHCR_TOKEN=ghp_x\n",
    "every-provider": json.dumps({"registries": {
        "hub": {"login": "me"}, "quay": {"namespace": "org", "account": "robot", "stored_secrets": ["token"]},
        "gcr": {"clientemail": "sa@p.iam.gserviceaccount.com", "tokenurl": "https://oauth2.googleapis.com/token"},
        "ecr": {"region": "us-east-1", "account": "123456789012", "accesskey": "AKIAIOSFODNN7EXAMPLE",
                "endpoint": "https://api.ecr.us-east-1.amazonaws.com"},
        "ecrpublic": {"accesskey": "AKIAIOSFODNN7EXAMPLE"},
        "acr": {"clientid": "11111111-2222", "url": "https://myregistry.azurecr.io", "tenantid": "contoso"},
        "gitlab": {"url": "https://registry.gitlab.example", "authurl": "https://gitlab.example"},
        "gitea": {"url": "https://git.example.org", "login": "me"},
        "forgejo/codeberg": {"url": "https://codeberg.org", "login": "me"},
        "custom/a_1": {"url": "http://10.0.0.1:5000", "login": "x"}}})
        + "\n%%\nHUB_PASSWORD=p\nGCR_PRIVATEKEY__FILE=pem\nECR_SECRETACCESSKEY=s\nECRPUBLIC_SECRETACCESSKEY=s\n"
          "ACR_CLIENTSECRET=s\nGITLAB_TOKEN=glpat\nGITEA_PASSWORD=p\nFORGEJO_CODEBERG_PASSWORD=p\n"
          "CUSTOM_A_1_PASSWORD=p\n",
    "gcr-keyjson": "%%\nSSM_REGISTRY_GCR_KEYJSON=" + SA_KEY + "\n",
    "gcr-keyjson-file": "%%\nSSM_REGISTRY_GCR_PROD_KEYJSON__FILE=json\n",
    "hub-auth": "%%\nSSM_REGISTRY_HUB_AUTH=" + b64("user:pass") + "\n",
    "hub-auth-bad": "%%\nSSM_REGISTRY_HUB_AUTH=bm9jb2xvbg==\nSSM_REGISTRY_HUB_LOGIN=x\n",
    "file-crlf": "%%\nSSM_REGISTRY_GHCR_USERNAME=u\nSSM_REGISTRY_GHCR_TOKEN__FILE=crlf\nSSM_REGISTRY_LSCR_USERNAME=u\nSSM_REGISTRY_LSCR_TOKEN__FILE=crlf\n",
    "file-missing": "%%\nSSM_REGISTRY_QUAY_TOKEN__FILE=nope\n",
    "secret-in-file": json.dumps({"registries": {"hub": {"password": "leak"}}}),
    "unknown-provider": json.dumps({"registries": {"nexus/x": {"url": "https://n"}}}),
    "bad-name": json.dumps({"registries": {"custom/Bad-Name": {"url": "https://n"}}}),
    "not-object": json.dumps({"registries": []}),
    "store-not-string": json.dumps({"store": 1}),
    "not-json": "{\"registries\": {",
    "array-doc": "[1,2]",
    "env-errors": "%%\nCUSTOM=x\nCUSTOM_LAB_NOPE=x\nNEXUS_URL=x\nCUSTOM_BAD-NAME_URL=x\n",
    "ecr-region": "%%\nECR_REGION=moon\nECR_ACCOUNT=12\nECR_ENDPOINT=http://x\n",
    "acr-authority": "%%\nACR_CLIENTID=c\nACR_CLIENTSECRET=s\nACR_AUTHORITYURL=https://login.example\n",
    # inputs that crashed a target once (see tests/fuzz/README.md)
    "regress-number-overflow": '{"store":"file","n":1e999}',
    "deep": '{"store":"file","n":' + "[" * 100 + "]" * 100 + "}",
    "regress-gcr-keyjson-type": '%%\nGCR_KEYJSON={"type":1}\n',
    "regress-gcr-keyjson-null": '%%\nGCR_PROD_KEYJSON={"type":null,"private_key_id":[]}\n',
}

RFC3339 = "2025-02-19T20:28:11.49Z"
ecr_private = json.dumps({"authorizationData": [{
    "authorizationToken": b64("AWS:eyJwYXlsb2FkIjoi"), "expiresAt": 1.7385984915E9,
    "proxyEndpoint": "https://123456789012.dkr.ecr.eu-west-1.amazonaws.com"}]})
responses = {
    "ecr-private": ecr_private,
    "ecr-private-exponent": '{"authorizationData":[{"authorizationToken":"' + b64("AWS:pw")
                            + '","expiresAt":1.7385984915E9,"proxyEndpoint":"https://1.dkr.ecr.x.amazonaws.com"}]}',
    "ecr-private-integer": '{"authorizationData":[{"authorizationToken":"QVdTOnB3","expiresAt":1740000000}]}',
    "ecr-public": '{"authorizationData":{"authorizationToken":"' + b64("AWS:pub") + '","expiresAt":1.74E9}}',
    "ecr-rfc3339": '{"authorizationData":[{"authorizationToken":"QVdTOnB3","expiresAt":"' + RFC3339 + '"}]}',
    "ecr-error": '{"__type":"com.amazonaws.ecr#UnrecognizedClientException","message":"The security token included in the request is invalid."}',
    "ecr-signature": '{"__type":"InvalidSignatureException","Message":"Signature expired: 20150830T123600Z is now earlier than 20150830T124000Z"}',
    "google": '{"access_token":"ya29.c.b0AXv0zTN","expires_in":3599,"token_type":"Bearer"}',
    "google-error": '{"error":"invalid_grant","error_description":"Invalid JWT Signature."}',
    "aad": '{"token_type":"Bearer","expires_in":3599,"ext_expires_in":3599,"access_token":"eyJ0eXAiOiJKV1Qi"}',
    "aad-error": '{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided.\\r\\nTrace ID: 1",'
                 '"error_codes":[7000215]}',
    "acr-exchange": '{"refresh_token":"' + b64url('{"alg":"RS256"}') + "." + b64url('{"exp":1740010800,"iss":"x"}')
                    + '.c2ln"}',
    "acr-exchange-exp-float": '{"refresh_token":"' + b64url("{}") + "." + b64url('{"exp":1.7400108E9}') + '.sig"}',
    "acr-exchange-opaque": '{"refresh_token":"opaque-token"}',
    "jwt-payload": '{"aud":"myregistry.azurecr.io","exp":1740010800,"grant_type":"refresh_token","iat":1739999999}',
    "acr-error": '{"errors":[{"code":"UNAUTHORIZED","message":"authentication required","detail":null}]}',
    "www-bearer": 'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull"',
    "www-basic": 'Basic realm="Registry Realm"',
    "www-escaped": 'Bearer realm="https://r.example/token\\"x",error="invalid_token" ,  error_description=unquoted',
    "www-acr": 'BEARER realm="https://myregistry.azurecr.io/oauth2/token",service="myregistry.azurecr.io"',
    "www-unterminated": 'Bearer realm="https://r',
    "empty": "",
    # inputs that crashed a target once (see tests/fuzz/README.md)
    "regress-remote-error-code-number": '{"errors":[{"code":401,"message":"denied"}]}',
    "regress-jwt-exp-huge": '{"exp":1e300}',
    "deep": '{"error":"e","x":' + "[" * 100 + "]" * 100 + "}",
}

write("fuzz_protocol", protocol)
write("fuzz_server_key", server_key)
write("fuzz_config", config)
write("fuzz_responses", responses)


def encrypt(plain: bytes, nonce: bytes) -> bytes:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    magic = b"SSMCRED1"
    return magic + nonce + AESGCM(FILE_STORE_KEY).encrypt(nonce, plain, magic)


def entries(items):
    return json.dumps({"version": 1, "entries": {k: {"username": u, "secret": s} for k, u, s in items}}).encode()


valid = entries([("https://index.docker.io/v1/", "alice", "dckr_pat_x"), ("registry.example.com", "bob", "pw"),
                 ("docker-credential-ssm:registry/custom/lab", "docker-credential-ssm", '{"password":"p"}')])
file_store = {
    # even first byte: the file as it is
    "raw-valid": b"\x00" + encrypt(valid, bytes(range(12))),
    "raw-empty-store": b"\x00" + encrypt(entries([]), bytes(12)),
    "raw-wrong-magic": b"\x00" + b"SSMCRED0" + bytes(40),
    "raw-short": b"\x00SSMCRED1",
    "raw-tampered": b"\x00" + encrypt(valid, bytes(range(12)))[:-1] + b"\x00",
    # odd first byte: the plaintext, encrypted by the target
    "plain-valid": b"\x01" + valid,
    "plain-malformed-entry": b"\x01" + b'{"version":1,"entries":{"a":{"username":1,"secret":"s"}}}',
    "plain-no-entries": b"\x01" + b'{"version":1}',
    "plain-not-json": b"\x01" + b"not json",
    "plain-array": b"\x01" + b"[]",
}
write("fuzz_file_store", file_store)
print("seeds written to", CORPUS)
