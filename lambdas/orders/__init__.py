"""Order processing: validation, payment, inventory, shipment and notifications."""
