"""HTTP parsing and rendering per service (moto's ``responses.py``), keyed by route."""

from fake_workspace.handlers import auth, branches, lakebase, serving, sql, unity_catalog
from fake_workspace.handlers.context import Ctx, Handler
from fake_workspace.routes import Route

HANDLERS: dict[Route, Handler] = {
    Route.WELL_KNOWN: auth.well_known,
    Route.OIDC_DISCOVERY: auth.oidc_discovery,
    Route.OIDC_TOKEN: auth.oidc_token,
    Route.SCIM_ME: auth.scim_me,
    Route.CATALOGS_LIST: unity_catalog.list_catalogs,
    Route.CATALOGS_GET: unity_catalog.get_catalog,
    Route.SCHEMAS_LIST: unity_catalog.list_schemas,
    Route.SCHEMAS_GET: unity_catalog.get_schema,
    Route.TABLES_LIST: unity_catalog.list_tables,
    Route.TABLES_EXISTS: unity_catalog.table_exists,
    Route.TABLES_GET: unity_catalog.get_table,
    Route.SQL_EXECUTE: sql.execute_statement,
    Route.SQL_GET: sql.get_statement,
    Route.SQL_CHUNK: sql.get_chunk,
    Route.SQL_CANCEL: sql.cancel_statement,
    Route.SERVING_LIST: serving.list_endpoints,
    Route.SERVING_GET: serving.get_endpoint,
    Route.SERVING_OPENAPI: serving.get_openapi,
    Route.INVOCATIONS: serving.invoke_endpoint,
    Route.DATABASE_INSTANCE: lakebase.get_instance,
    Route.DATABASE_CREDENTIAL: lakebase.generate_credential,
    Route.POSTGRES_CREDENTIAL: lakebase.generate_postgres_credential,
    Route.POSTGRES_BRANCH_CREATE: branches.create_branch,
    Route.POSTGRES_RESOURCE: branches.get_postgres_resource,
    Route.POSTGRES_DELETE: branches.delete_postgres_resource,
}

__all__ = ["HANDLERS", "Ctx", "Handler"]
