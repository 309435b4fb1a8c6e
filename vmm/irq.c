#include "irq.h"

#include "../lib/log.h"
#include "../arch/arch.h"

#include <errno.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

struct irq_table {
	int vm_fd;
	const struct arch_vm *arch;
	pthread_mutex_t lock;
	unsigned nr, next_gsi;
	struct kvm_irq_routing *r;   /* header + IRQ_MAX_ROUTES entries */
};

static int commit(struct irq_table *t)
{
	return ioctl(t->vm_fd, KVM_SET_GSI_ROUTING, t->r) < 0 ? -1 : 0;
}

struct irq_table *irq_init(int vm_fd, const struct arch_vm *arch)
{
	struct irq_table *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->r = calloc(1, sizeof(*t->r) + IRQ_MAX_ROUTES * sizeof(t->r->entries[0]));
	if (!t->r) {
		free(t);
		return NULL;
	}
	t->vm_fd = vm_fd;
	t->arch = arch;
	pthread_mutex_init(&t->lock, NULL);
	t->nr = arch_irq_routes(t->r->entries, IRQ_MAX_ROUTES);
	t->r->nr = t->nr;
	t->next_gsi = arch_first_msi_gsi;
	if (commit(t) < 0) {
		int err = errno;

		irq_destroy(t);
		errno = err;
		return NULL;
	}
	return t;
}

int irq_reload(struct irq_table *t)
{
	int ret;

	pthread_mutex_lock(&t->lock);
	ret = commit(t);
	pthread_mutex_unlock(&t->lock);
	return ret;
}

void irq_line(void *opaque, unsigned gsi, int level)
{
	struct irq_table *t = opaque;
	struct kvm_irq_level irq = { .irq = arch_irq_line_id(gsi), .level = (uint32_t)level };

	if (ioctl(t->vm_fd, KVM_IRQ_LINE, &irq) < 0)
		pr_debug("KVM_IRQ_LINE %u=%d: %s", gsi, level, strerror(errno));
}

int irq_msi_alloc(struct irq_table *t, int *efd)
{
	struct kvm_irqfd irqfd = { 0 };
	int gsi, fd;

	pthread_mutex_lock(&t->lock);
	if (t->nr == IRQ_MAX_ROUTES) {
		pthread_mutex_unlock(&t->lock);
		pr_err("out of interrupt routes");
		return -1;
	}
	gsi = (int)t->next_gsi++;
	/* A route must exist before KVM_IRQFD binds to its GSI; an MSI to
	 * address 0 goes nowhere until the guest programs the vector. */
	t->r->entries[t->nr] = (struct kvm_irq_routing_entry){ .gsi = (uint32_t)gsi,
							       .type = KVM_IRQ_ROUTING_MSI };
	t->nr++;
	t->r->nr = t->nr;
	if (commit(t) < 0) {
		pthread_mutex_unlock(&t->lock);
		pr_err("KVM_SET_GSI_ROUTING: %s", strerror(errno));
		return -1;
	}
	pthread_mutex_unlock(&t->lock);

	fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (fd < 0) {
		pr_err("eventfd: %s", strerror(errno));
		return -1;
	}
	irqfd.fd = (uint32_t)fd;
	irqfd.gsi = (uint32_t)gsi;
	if (ioctl(t->vm_fd, KVM_IRQFD, &irqfd) < 0) {
		pr_err("KVM_IRQFD: %s", strerror(errno));
		close(fd);
		return -1;
	}
	*efd = fd;
	return gsi;
}

int irq_msi_set(struct irq_table *t, int gsi, uint64_t addr, uint32_t data, uint32_t devid)
{
	int ret = -1;

	pthread_mutex_lock(&t->lock);
	for (unsigned i = 0; i < t->nr; i++) {
		struct kvm_irq_routing_entry *e = &t->r->entries[i];

		if (e->gsi == (uint32_t)gsi && gsi >= (int)arch_first_msi_gsi) {
			memset(&e->u, 0, sizeof(e->u));
			arch_msi_route(t->arch, e, addr, data, devid);
			ret = commit(t);
			pr_debug("MSI route gsi %d -> %#llx/%#x: %d", gsi, (unsigned long long)addr,
				 data, ret);
			break;
		}
	}
	pthread_mutex_unlock(&t->lock);
	return ret;
}

void irq_destroy(struct irq_table *t)
{
	if (!t)
		return;
	pthread_mutex_destroy(&t->lock);
	free(t->r);
	free(t);
}
