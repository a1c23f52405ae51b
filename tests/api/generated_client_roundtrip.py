"""Runs INSIDE the generator's virtualenv (tests/api/test_generated_client.py):
a create → transition → history round trip through the client that
openapi-python-client generated from our document, with its typed models only.

    python generated_client_roundtrip.py BASE_URL TOKEN

Prints one JSON line with what the test checks.
"""
from __future__ import annotations

import datetime
import json
import sys

from liandong_client import AuthenticatedClient
from liandong_client.api.orders_customer import orders_customer_create, orders_customer_list
from liandong_client.api.orders_product import orders_product_create
from liandong_client.api.orders_sales_order import (orders_sales_order_create, orders_sales_order_history,
                                                    orders_sales_order_transition)
from liandong_client.api.orders_warehouse import orders_warehouse_create
from liandong_client.api.orders_batch import orders_batch
from liandong_client.models import (BatchAnswer, BatchOperation, BatchOperationBody, BatchOperationMethod,
                                    BatchRequest, Error, HistoryPage, OrdersCustomer, OrdersCustomerCreate,
                                    OrdersCustomerPage, OrdersProductCreate, OrdersSalesOrder,
                                    OrdersSalesOrderCreate, OrdersSalesOrderCreateLinesItem,
                                    OrdersSalesOrderTransitionBody, OrdersSalesOrderTransitionName,
                                    OrdersWarehouseCreate)


def main(base_url: str, token: str) -> dict:
    client = AuthenticatedClient(base_url=base_url + "/api/v1", token=token, raise_on_unexpected_status=True)
    customer = orders_customer_create.sync(client=client, body=OrdersCustomerCreate(name="ACME"),
                                           idempotency_key="rt-customer")
    again = orders_customer_create.sync(client=client, body=OrdersCustomerCreate(name="ACME"),
                                        idempotency_key="rt-customer")
    assert isinstance(customer, OrdersCustomer), customer
    product = orders_product_create.sync(client=client, body=OrdersProductCreate(
        sku="P1", name="Bolt", unit_price=2.5, cost_price=1.0))
    warehouse = orders_warehouse_create.sync(client=client, body=OrdersWarehouseCreate(code="W1", name="Main"))
    order = orders_sales_order_create.sync(client=client, body=OrdersSalesOrderCreate(
        customer=customer.id, warehouse=warehouse.id, date=datetime.date(2024, 5, 1),
        lines=[OrdersSalesOrderCreateLinesItem(product=product.id, qty=4)]))
    assert isinstance(order, OrdersSalesOrder), order
    confirmed = orders_sales_order_transition.sync(
        order.id, OrdersSalesOrderTransitionName.CONFIRM, client=client,
        body=OrdersSalesOrderTransitionBody(comment="ok"))
    assert isinstance(confirmed, OrdersSalesOrder), confirmed
    history = orders_sales_order_history.sync(order.id, client=client)
    assert isinstance(history, HistoryPage), history
    refused = orders_sales_order_transition.sync(
        order.id, OrdersSalesOrderTransitionName.CONFIRM, client=client, body=OrdersSalesOrderTransitionBody())
    assert isinstance(refused, Error), refused
    batch = orders_batch.sync(client=client, body=BatchRequest(operations=[
        BatchOperation(method=BatchOperationMethod.POST, form="customer",
                       body=BatchOperationBody.from_dict({"name": f"Batch {i}"})) for i in range(3)]))
    assert isinstance(batch, BatchAnswer), batch
    customers = orders_customer_list.sync(client=client, limit=2)
    assert isinstance(customers, OrdersCustomerPage), customers
    return {
        "customer": customer.id, "replayed_same_id": again.id == customer.id,
        "order_total": order.total, "status": str(confirmed.status.value if hasattr(confirmed.status, "value")
                                                  else confirmed.status),
        "history": [entry.action.value for entry in history.items],
        "history_transition": history.items[0].changes.transition.to,
        "history_actor": history.items[0].actor.username,
        "refused_code": refused.error.code.value,
        "batch_statuses": [result.status.value if hasattr(result.status, "value") else result.status
                           for result in batch.results],
        "page": [item.name for item in customers.items], "next": customers.next_,
    }


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], sys.argv[2])))
