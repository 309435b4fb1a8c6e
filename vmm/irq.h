/* Interrupt routing: the board's fixed irqchip routes plus one MSI route per
 * device vector, each fed by an eventfd through KVM_IRQFD so a device thread
 * interrupts the guest with one write(), no VMM round trip. */
#ifndef AIRLOCK_IRQ_H
#define AIRLOCK_IRQ_H

#include <stdint.h>

struct arch_vm;
struct irq_table;

#define IRQ_MAX_ROUTES 1024

/* The table for the VM vm_fd with the arch's fixed routes installed (arch:
 * what arch_msi_route needs). NULL (errno set). */
struct irq_table *irq_init(int vm_fd, const struct arch_vm *arch);

/* Installs the whole table again (after the irqchip replaced it). */
int irq_reload(struct irq_table *t);

/* Drives the irqchip line gsi (KVM_IRQ_LINE); t is a struct irq_table *,
 * so this is also an irq_lines handle (vmm/handles.h). */
void irq_line(void *t, unsigned gsi, int level);

/* A new MSI route with an irqfd bound to it. Returns the GSI and sets
 * *efd (write 1 to it to interrupt), or -1 after one error line. */
int irq_msi_alloc(struct irq_table *t, int *efd);

/* Points an MSI route at addr/data (as the guest programmed the vector on
 * PCI function devid). */
int irq_msi_set(struct irq_table *t, int gsi, uint64_t addr, uint32_t data, uint32_t devid);

void irq_destroy(struct irq_table *t);

#endif
