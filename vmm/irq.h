/* Interrupt routing: the board's fixed irqchip routes plus one MSI route per
 * device vector, each fed by an eventfd through KVM_IRQFD so a device thread
 * interrupts the guest with one write(), no VMM round trip. */
#ifndef AIRLOCK_IRQ_H
#define AIRLOCK_IRQ_H

#include <stdint.h>

struct vm;

#define IRQ_MAX_ROUTES 1024

/* Installs the arch's fixed routes. 0 or -1 (errno set). */
int irq_init(struct vm *vm);

/* Installs the whole table again (after the irqchip replaced it). */
int irq_reload(struct vm *vm);

/* A new MSI route with an irqfd bound to it. Returns the GSI and sets
 * *efd (write 1 to it to interrupt), or -1 after one error line. */
int irq_msi_alloc(struct vm *vm, int *efd);

/* Points an MSI route at addr/data (as the guest programmed the vector on
 * PCI function devid). */
int irq_msi_set(struct vm *vm, int gsi, uint64_t addr, uint32_t data, uint32_t devid);

void irq_destroy(struct vm *vm);

#endif
